import CGStreamer

/// GStreamer's one-time process initialization (plugin registry scan). A Swift global is initialized once and
/// thread-safely, so concurrent first pipelines do not race into gst_init.
enum GStreamerRuntime {
    private static let initialization: Result<Void, CameraError> = {
        var error: UnsafeMutablePointer<GError>?
        if gst_init_check(nil, nil, &error) != 0 { return .success(()) }
        let text = GLibError.take(error) ?? "no reason given"
        return .failure(CameraError(.startFailed, "GStreamer could not be initialized: \(text)"))
    }()

    static func ensureInitialized() throws(CameraError) {
        try initialization.get()
    }
}

/// GLib's GError out-parameters as Swift strings.
enum GLibError {
    /// The error's message, freeing the error; nil when there was none.
    static func take(_ error: UnsafeMutablePointer<GError>?) -> String? {
        guard let error else { return nil }
        defer { g_error_free(error) }
        guard let message = error.pointee.message else { return "unknown error (domain \(error.pointee.domain), code \(error.pointee.code))" }
        return String(cString: message)
    }
}
