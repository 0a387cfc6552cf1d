import QInferProtocol

/// A sensor feeding one source: the socket listener, the directory watch, later a camera pipeline. Its runner
/// (``SourceRunner``) starts it, hands it a ``FrameSink``, stops it, and starts a new one after a failure, so a
/// conformance only opens the sensor, delivers frames and says when it broke.
public protocol FrameSource: Sendable {
    /// Opens the sensor and returns once frames can flow; frames then go to `sink` from the source's own threads.
    /// - Throws: ``SourceFailure`` naming what could not be opened (the runner retries after a backoff).
    func start(_ sink: FrameSink) throws(SourceFailure)
    /// Closes the sensor; no frame is delivered after it returns. Called once, also after a failure.
    func stop()
}

/// Why a source could not start or stopped working, said for the log and /v1/sources.
public struct SourceFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where a ``FrameSource`` puts what it reads. Every call is cheap and never blocks on inference.
public struct FrameSink: Sendable {
    let deliverFrame: @Sendable (InputPayload) -> Void
    let rejectInput: @Sendable (String) -> Void
    let failSource: @Sendable (String) -> Void
    let countLost: @Sendable (Int) -> Void

    /// `lost` is optional because only sensors that drop frames themselves (a camera's appsink) report any.
    public init(deliver: @escaping @Sendable (InputPayload) -> Void, reject: @escaping @Sendable (String) -> Void,
                fail: @escaping @Sendable (String) -> Void, lost: @escaping @Sendable (Int) -> Void = { _ in }) {
        deliverFrame = deliver; rejectInput = reject; failSource = fail; countLost = lost
    }

    /// One frame for the model; it takes the pending slot (see ``OverrunPolicy``).
    public func deliver(_ frame: InputPayload) { deliverFrame(frame) }
    /// Input that is not a frame (a malformed header, an unreadable file): counted and logged; the source goes on.
    public func reject(_ message: String) { rejectInput(message) }
    /// The sensor as a whole broke (its directory was removed, its pipeline died): the runner stops it and retries.
    public func fail(_ message: String) { failSource(message) }
    /// Frames the sensor itself dropped before they reached the source (a camera pipeline keeping only the newest):
    /// counted as seen and dropped, so /v1/sources shows every frame the sensor produced.
    public func lost(_ count: Int) { if count > 0 { countLost(count) } }
}
