/// Counters of one pipeline since it started.
public struct CameraStatistics: Sendable, Equatable {
    /// Buffers that reached the appsink (what the sensor delivered through the pipeline).
    public var arrived: UInt64
    /// Frames handed to the consumer by nextFrame.
    public var delivered: UInt64
    /// Frames the appsink discarded because a newer one came before the consumer asked, counted exactly from the
    /// gaps in the pulled frames' arrival numbers, so as of the last pull: arrived − delivered − dropped are the
    /// frames that came after it (one waiting in the appsink, the others already replaced).
    public var dropped: UInt64

    public init(arrived: UInt64, delivered: UInt64, dropped: UInt64) {
        self.arrived = arrived; self.delivered = delivered; self.dropped = dropped
    }
}
