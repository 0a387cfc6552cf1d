import CGStreamer

/// gst_parse_launch for CameraPipeline: a description becomes a pipeline whose appsink is found by name.
enum PipelineParser {
    private static func parse(_ text: String) throws(CameraError) -> UnsafeMutablePointer<GstElement> {
        var error: UnsafeMutablePointer<GError>?
        // FATAL_ERRORS: without it a missing element is a "recoverable" error and a pipeline with a hole is returned.
        let element = gst_parse_launch_full(text, nil, GST_PARSE_FLAG_FATAL_ERRORS, &error)
        if let message = GLibError.take(error) {
            if let element { qgst_object_unref(element) }
            throw CameraError(.invalidDescription, "GStreamer cannot build '\(text)': \(message)")
        }
        guard let element else { throw CameraError(.invalidDescription, "GStreamer cannot build '\(text)' and gave no reason") }
        // gst_parse_launch returns a floating reference; take it so the one unref in release() frees it.
        gst_object_ref_sink(element)
        return element
    }

    /// The pipeline and its appsink element (a new reference). The sink is appended first: a description normally
    /// ends open (often in a caps filter, which cannot end a pipeline on its own). Only when that fails is the
    /// description tried as written, for one that ends in its own sink of that name (to set its properties); if it
    /// has none, the first failure is the one that says what is wrong.
    static func parseWithSink(_ description: String)
        throws(CameraError) -> (UnsafeMutablePointer<GstElement>, UnsafeMutablePointer<GstElement>) {
        let appendedFailure: CameraError
        do throws(CameraError) {
            let appended = try parse(PipelineDescription.withAppendedSink(description))
            if let sink = namedSink(in: appended) { return (appended, sink) }
            qgst_object_unref(appended)
            appendedFailure = CameraError(.invalidDescription,
                                          "'\(description)' did not become a pipeline ending in the appsink '\(CameraPipeline.sinkName)'")
        } catch {
            appendedFailure = error
        }
        guard let asWritten = try? parse(description) else { throw appendedFailure }
        guard let sink = namedSink(in: asWritten) else {
            qgst_object_unref(asWritten)
            throw appendedFailure
        }
        return (asWritten, sink)
    }

    private static func namedSink(in element: UnsafeMutablePointer<GstElement>) -> UnsafeMutablePointer<GstElement>? {
        guard qgst_is_pipeline(element) != 0, let bin = qgst_as_bin(element) else { return nil }
        return gst_bin_get_by_name(bin, CameraPipeline.sinkName)
    }
}
