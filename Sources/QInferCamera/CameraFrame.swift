/// One frame from a camera pipeline: rows top to bottom, channels interleaved, no row padding.
public struct CameraFrame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (GRAY8) or 3 (RGB).
    public let channels: Int
    /// width × height × channels bytes.
    public let pixels: [UInt8]
    /// The buffer's presentation time in the pipeline's stream (nil when the source set none).
    public let presentationTime: Duration?
    /// When this process pulled the frame, for latency and rate measurements on the consumer's side.
    public let pulledAt: ContinuousClock.Instant
    /// Which buffer this was among all that reached the appsink, from 0; gaps are dropped frames.
    public let sequence: UInt64
    /// Frames that reached the appsink since the previously pulled frame (or since the start) and were dropped
    /// because the consumer was slower than the stream.
    public let droppedBefore: UInt64
}
