/// One line of one chip, as the caller named them; prints as "gpiochip0 line 17" in messages and logs.
public struct GPIOLineAddress: Sendable, Hashable, CustomStringConvertible {
    /// The chip's name, path, label or number, as configured.
    public let chip: String
    public let offset: UInt32

    public init(chip: String, offset: UInt32) {
        self.chip = chip
        self.offset = offset
    }

    public var description: String { "\(chip) line \(offset)" }
}

/// A rising edge seen on a requested input line.
public struct GPIOEdgeEvent: Sendable, Equatable {
    /// The kernel's timestamp of the edge (CLOCK_MONOTONIC since Linux 5.7, CLOCK_REALTIME before); the in-memory
    /// backend uses CLOCK_MONOTONIC.
    public let timestamp: Duration

    public init(timestamp: Duration) {
        self.timestamp = timestamp
    }
}

/// Access to GPIO lines: libgpiod 1.6 today (``GPIODv1Backend``), a libgpiod 2 backend later, ``InMemoryGPIO`` for
/// tests and machines without /dev/gpiochip*.
///
/// Every request is exclusive and lasts until its ``GPIOOutputLine/release()`` / ``GPIOEdgeLine/release()``;
/// the daemon requests its lines at start and holds them for its lifetime, so a missing chip or a line another
/// consumer holds is an error at start, not in the middle of serving.
public protocol GPIOBackend: Sendable {
    /// Requests `offset` on `chip` as an output driven to `initial`.
    /// - Throws: ``GPIOError`` (``GPIOError/Kind/chipUnavailable``, ``GPIOError/Kind/noSuchLine``,
    ///   ``GPIOError/Kind/busy``, ``GPIOError/Kind/failed``) naming the chip, the offset and the reason.
    func requestOutput(chip: String, offset: UInt32, consumer: String, initial: Bool) throws(GPIOError)
        -> any GPIOOutputLine

    /// Requests `offset` on `chip` as an input reporting rising edges.
    func requestRisingEdges(chip: String, offset: UInt32, consumer: String) throws(GPIOError) -> any GPIOEdgeLine
}

/// A requested output line. Safe to use from several threads; writes are applied one at a time.
public protocol GPIOOutputLine: Sendable {
    var address: GPIOLineAddress { get }
    func set(_ high: Bool) throws(GPIOError)
    /// Gives the line back. Idempotent; later ``set(_:)`` calls throw ``GPIOError/Kind/released``.
    func release()
}

/// A requested input line reporting rising edges.
public protocol GPIOEdgeLine: Sendable {
    var address: GPIOLineAddress { get }
    /// The next rising edge, waiting at most `timeout`; nil when none came (or the wait was interrupted).
    /// Edges that arrive between calls are queued (the kernel keeps 16 per line), not lost.
    func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent?
    /// Gives the line back. Idempotent; a concurrent ``waitForEdge(timeout:)`` may finish its wait first.
    func release()
}

extension Duration {
    /// Whole seconds and nanoseconds, negative durations as zero: the shape of a timespec.
    var gpioSecondsAndNanoseconds: (seconds: Int64, nanoseconds: Int64) {
        guard self > .zero else { return (0, 0) }
        let (seconds, attoseconds) = components
        return (seconds, attoseconds / 1_000_000_000)
    }
}
