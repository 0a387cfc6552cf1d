import CGStreamer

/// Reads a pipeline's bus without a GLib main loop: the messages nobody pops would pile up for the pipeline's
/// lifetime, so every read drains the bus and keeps only what a consumer acts on (the first error, end of stream).
/// Not thread-safe: CameraPipeline drains from one thread at a time.
final class PipelineBus {
    private let bus: UnsafeMutablePointer<GstBus>
    private(set) var firstError: String?
    private(set) var endOfStream = false

    /// Takes the pipeline's bus (a new reference, released by `release()`).
    init?(pipeline: UnsafeMutablePointer<GstElement>) {
        guard let bus = gst_element_get_bus(pipeline) else { return nil }
        self.bus = bus
    }

    /// Pops every pending message; returns the first error seen so far, if any.
    @discardableResult
    func drain() -> String? {
        while let message = gst_bus_pop(bus) {
            record(message)
            gst_message_unref(message)
        }
        return firstError
    }

    /// Waits up to `timeout` nanoseconds for an error (used while the pipeline starts, when the error may be posted
    /// by a streaming thread a moment after the state change failed).
    func waitForError(timeout: GstClockTime) -> String? {
        if let error = drain() { return error }
        if let message = gst_bus_timed_pop_filtered(bus, timeout, GST_MESSAGE_ERROR) {
            record(message)
            gst_message_unref(message)
        }
        return drain()
    }

    func release() { qgst_object_unref(bus) }

    var object: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bus) }

    private func record(_ message: UnsafeMutablePointer<GstMessage>) {
        let type = qgst_message_type(message)
        if type == GST_MESSAGE_ERROR {
            if firstError == nil { firstError = Self.errorText(message) }
        } else if type == GST_MESSAGE_EOS {
            endOfStream = true
        }
    }

    /// "element: GStreamer's message (the detail line of its debug text)": the message alone is often generic
    /// ("Resource not found."), the debug text's last line names the file or device.
    private static func errorText(_ message: UnsafeMutablePointer<GstMessage>) -> String {
        var error: UnsafeMutablePointer<GError>?
        var debug: UnsafeMutablePointer<gchar>?
        gst_message_parse_error(message, &error, &debug)
        let text = GLibError.take(error) ?? "unknown error"
        var detail: String?
        if let debug {
            detail = String(cString: debug).split(separator: "\n").last.map(String.init)
            g_free(debug)
        }
        let source = String(cString: qgst_message_source_name(message))
        let prefix = source.isEmpty ? "" : "\(source): "
        if let detail, !detail.isEmpty, !text.contains(detail) { return "\(prefix)\(text) (\(detail))" }
        return "\(prefix)\(text)"
    }
}
