import CGStreamer

/// The GStreamer objects of one running pipeline, each holding one reference that `release()` gives back.
/// Building either returns a started pipeline or releases everything it made and throws.
final class PipelineParts {
    let pipeline: UnsafeMutablePointer<GstElement>
    let sink: UnsafeMutablePointer<GstAppSink>
    let bus: PipelineBus
    /// The probe's counter; owned by the probe, valid until the pipeline is released.
    private let arrivals: UnsafeMutablePointer<QGstArrivals>?

    private init(pipeline: UnsafeMutablePointer<GstElement>, sink: UnsafeMutablePointer<GstAppSink>, bus: PipelineBus,
                 arrivals: UnsafeMutablePointer<QGstArrivals>?) {
        self.pipeline = pipeline; self.sink = sink; self.bus = bus; self.arrivals = arrivals
    }

    var arrived: UInt64 { arrivals.map { UInt64(qgst_arrived($0)) } ?? 0 }

    /// The GObjects this holds a reference to, for the tests' check that release() frees them.
    var objects: [UnsafeMutableRawPointer] { [UnsafeMutableRawPointer(pipeline), UnsafeMutableRawPointer(sink), bus.object] }

    /// Parses `description` (appending the appsink when it has none named CameraPipeline.sinkName), configures the
    /// sink and brings the pipeline to PLAYING.
    static func start(description: String, options: CameraOptions) throws(CameraError) -> PipelineParts {
        try GStreamerRuntime.ensureInitialized()
        try options.format.validate()
        try PipelineDescription.validate(description)
        let (pipeline, element) = try PipelineParser.parseWithSink(description)
        guard qgst_is_app_sink(element) != 0, let sink = qgst_as_app_sink(element) else {
            let kind = String(cString: qgst_type_name(element))
            qgst_object_unref(element); qgst_object_unref(pipeline)
            throw CameraError(.invalidDescription, "the element named '\(CameraPipeline.sinkName)' is a \(kind), not an appsink")
        }
        do {
            try configure(sink, options)
        } catch {
            qgst_object_unref(sink); qgst_object_unref(pipeline)
            throw error
        }
        guard let bus = PipelineBus(pipeline: pipeline) else {
            qgst_object_unref(sink); qgst_object_unref(pipeline)
            throw CameraError(.startFailed, "the pipeline has no bus")
        }
        let parts = PipelineParts(pipeline: pipeline, sink: sink, bus: bus, arrivals: qgst_number_arrivals(element))
        do {
            try parts.play(timeout: options.startTimeout, description: description)
        } catch {
            parts.release()
            throw error
        }
        return parts
    }

    /// Stops the pipeline (NULL state joins its streaming threads) and drops every reference.
    func release() {
        gst_element_set_state(pipeline, GST_STATE_NULL)
        bus.release()
        qgst_object_unref(sink)
        qgst_object_unref(pipeline)
    }

    private static func configure(_ sink: UnsafeMutablePointer<GstAppSink>, _ options: CameraOptions) throws(CameraError) {
        let caps = try SinkCaps.make(for: options.format)
        gst_app_sink_set_caps(sink, caps)
        gst_caps_unref(caps)
        gst_app_sink_set_max_buffers(sink, 1)
        gst_app_sink_set_drop(sink, options.delivery == .latestOnly ? 1 : 0)
        qgst_app_sink_set_sync(sink, options.syncToClock ? 1 : 0)
    }

    private func play(timeout: Duration, description: String) throws(CameraError) {
        let change = gst_element_set_state(pipeline, GST_STATE_PLAYING)
        var result = change
        if change != GST_STATE_CHANGE_FAILURE {
            // Waits for the preroll (a first frame, or the failure to produce one); live sources return NO_PREROLL.
            result = gst_element_get_state(pipeline, nil, nil, timeout.clockTime)
        }
        if result == GST_STATE_CHANGE_FAILURE {
            // The error can be posted by a streaming thread just after the state change reported the failure.
            let reason = bus.waitForError(timeout: 500 * qgst_msecond()) ?? "GStreamer posted no error message"
            throw CameraError(.startFailed, "the pipeline '\(description)' did not start: \(reason)\(Self.hint(reason))")
        }
        if result == GST_STATE_CHANGE_ASYNC {
            throw CameraError(.startFailed, "the pipeline '\(description)' did not reach PLAYING within \(timeout)")
        }
        if let reason = bus.drain() {
            throw CameraError(.startFailed, "the pipeline '\(description)' did not start: \(reason)\(Self.hint(reason))")
        }
    }

    /// GStreamer says "not-negotiated" when no format fits; the fix is almost always the same two elements.
    private static func hint(_ reason: String) -> String {
        guard reason.contains("not-negotiated") else { return "" }
        return "; the appsink takes GRAY8 or RGB raw video, so end the description in 'videoconvert ! videoscale'"
    }
}
