import CGStreamer

/// Copies an appsink sample into a CameraFrame. Video buffers pad rows (GStreamer aligns strides to 4 bytes, and a
/// GstVideoMeta may set others), so rows are copied through the mapped frame's own stride.
enum SampleReader {
    static func frame(from sample: OpaquePointer, previousSequence: UInt64?) throws(CameraError) -> CameraFrame {
        let pulledAt = ContinuousClock.now
        guard let buffer = gst_sample_get_buffer(sample) else { throw CameraError(.unreadableFrame, "the appsink gave a sample without a buffer") }
        guard let caps = gst_sample_get_caps(sample) else { throw CameraError(.unreadableFrame, "the appsink gave a sample without caps") }
        var info = GstVideoInfo()
        guard gst_video_info_from_caps(&info, caps) != 0 else {
            throw CameraError(.unreadableFrame, "the sample's caps are not raw video: \(describe(caps))")
        }
        let channels: Int
        switch qgst_video_info_format(&info) {
        case GST_VIDEO_FORMAT_GRAY8: channels = 1
        case GST_VIDEO_FORMAT_RGB: channels = 3
        default: throw CameraError(.unreadableFrame, "the sample is \(describe(caps)); only GRAY8 and RGB are read")
        }
        let width = Int(qgst_video_info_width(&info)), height = Int(qgst_video_info_height(&info))
        guard width > 0, height > 0 else { throw CameraError(.unreadableFrame, "the sample is \(width)×\(height)") }

        var mapped = GstVideoFrame()
        guard gst_video_frame_map(&mapped, &info, buffer, GST_MAP_READ) != 0 else {
            throw CameraError(.unreadableFrame, "the \(width)×\(height) buffer could not be mapped as \(describe(caps))")
        }
        defer { gst_video_frame_unmap(&mapped) }
        let stride = Int(qgst_video_frame_stride(&mapped, 0)), rowBytes = width * channels
        guard let plane = qgst_video_frame_plane(&mapped, 0), stride >= rowBytes else {
            throw CameraError(.unreadableFrame, "the buffer's stride \(stride) is shorter than a \(rowBytes)-byte row")
        }
        let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { out, written in
            guard let base = out.baseAddress else { return }
            for y in 0..<height {
                UnsafeMutableRawPointer(base + y * rowBytes).copyMemory(from: plane + y * stride, byteCount: rowBytes)
            }
            written = rowBytes * height
        }

        var number: guint64 = 0
        // A buffer that went by before the probe was attached cannot happen (the probe is set before PLAYING); if it
        // ever did, it is numbered right after the previous one rather than inventing drops.
        let sequence = qgst_arrival_number(buffer, &number) != 0 ? UInt64(number) : (previousSequence.map { $0 + 1 } ?? 0)
        let expected = previousSequence.map { $0 + 1 } ?? 0
        let pts = qgst_buffer_pts(buffer)
        return CameraFrame(width: width, height: height, channels: channels, pixels: pixels,
                           presentationTime: pts == qgst_clock_time_none() ? nil : .nanoseconds(Int64(clamping: pts)),
                           pulledAt: pulledAt, sequence: sequence, droppedBefore: sequence > expected ? sequence - expected : 0)
    }

    static func describe(_ caps: UnsafeMutablePointer<GstCaps>) -> String {
        guard let text = gst_caps_to_string(caps) else { return "unknown caps" }
        defer { g_free(text) }
        return String(cString: text)
    }
}
