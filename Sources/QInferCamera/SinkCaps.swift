import CGStreamer

/// The appsink's caps, in order of preference: the requested format and size, which a description with
/// videoconvert and videoscale always meets; then the requested format at the source's size, and the other format
/// at either, so a pipeline that cannot convert (no videoscale, a camera with fixed modes) still negotiates and
/// the frame preprocessor resizes and converts instead. Only GRAY8 and RGB are ever offered: the two the
/// preprocessor reads.
enum SinkCaps {
    static func make(for format: CameraFormat) throws(CameraError) -> UnsafeMutablePointer<GstCaps> {
        let other: CameraFormat.Pixels = format.pixels == .gray8 ? .rgb : .gray8
        let w = Int32(format.width), h = Int32(format.height)
        guard let caps = gst_caps_new_empty() else { throw CameraError(.startFailed, "GStreamer could not allocate caps") }
        for (pixels, width, height) in [(format.pixels, w, h), (format.pixels, 0, 0), (other, w, h), (other, 0, 0)] {
            gst_caps_append(caps, qgst_video_caps(pixels.rawValue, width, height))
        }
        return caps
    }
}
