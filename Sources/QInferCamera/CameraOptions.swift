import CGStreamer

/// How a camera pipeline hands frames to its consumer.
public struct CameraOptions: Sendable, Equatable {
    /// What happens when the consumer is slower than the stream.
    public enum Delivery: Sendable, Equatable {
        /// appsink keeps one frame (max-buffers=1 drop=true): a newer frame replaces an unpulled one, the stream
        /// keeps its pace and the drop is counted. For live sensors, whose drivers must never be held up.
        case latestOnly
        /// appsink holds one frame and the stream waits for the consumer (max-buffers=1 drop=false): nothing is
        /// dropped and memory stays bounded. For files and tests where every frame counts; never for a live camera,
        /// whose driver would run out of buffers.
        case everyFrame
    }

    public var format: CameraFormat
    public var delivery: Delivery
    /// appsink's sync: true paces a file at its framerate like a camera; false takes frames as fast as they come.
    public var syncToClock: Bool
    /// How long the pipeline may take to reach PLAYING (an RTSP server or a camera's first frame can be slow).
    public var startTimeout: Duration

    public init(format: CameraFormat, delivery: Delivery = .latestOnly, syncToClock: Bool = true,
                startTimeout: Duration = .seconds(10)) {
        self.format = format; self.delivery = delivery; self.syncToClock = syncToClock; self.startTimeout = startTimeout
    }
}

extension Duration {
    /// Nanoseconds for GStreamer's clock times, 0 for negative durations, saturating for huge ones.
    var clockTime: GstClockTime {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        // Below GST_CLOCK_TIME_NONE (all ones), which would mean "wait forever".
        return GstClockTime(overflow ? .max - 1 : min(whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000)).partialValue, .max - 1))
    }
}
