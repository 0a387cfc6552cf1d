#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// GPIO chips kept in memory: a working backend for tests and for development machines without /dev/gpiochip*.
///
/// It follows the real backend's rules: chips are found by name, /dev path, number ("0" → gpiochip0) or label; an
/// unknown chip, an offset past the chip's lines and a second request of a requested line fail with the same
/// ``GPIOError``s. Every write to an output line (including the initial value of a request) is recorded in order
/// with a sequence number; rising edges injected with ``injectRisingEdge(chip:offset:)`` reach the line's
/// ``GPIOEdgeLine/waitForEdge(timeout:)``.
public final class InMemoryGPIO: GPIOBackend {
    public struct Chip: Sendable, Equatable {
        /// The kernel-style name, e.g. "gpiochip0".
        public var name: String
        public var label: String
        public var lineCount: Int

        public init(name: String, label: String = "", lineCount: Int) {
            self.name = name
            self.label = label
            self.lineCount = lineCount
        }
    }

    /// One write to an output line; `sequence` grows by one per write across all chips, from 1.
    public struct Write: Sendable, Equatable, CustomStringConvertible {
        public let sequence: UInt64
        public let line: GPIOLineAddress
        public let high: Bool

        public var description: String { "#\(sequence) \(line) \(high ? "high" : "low")" }
    }

    private struct Request {
        let id: UInt64
        let consumer: String
        /// Edge requests only: the pending edges and a semaphore whose count follows them.
        var pending: [GPIOEdgeEvent] = []
        let signal: DispatchSemaphore?
    }

    private struct LineState {
        var value = false
        var request: Request?
    }

    private struct State {
        var chips: [String: Chip] = [:]
        /// Keyed by the chip's name (whatever the caller called it) and offset.
        var lines: [GPIOLineAddress: LineState] = [:]
        var writes: [Write] = []
        var nextSequence: UInt64 = 1
        var nextRequest: UInt64 = 1
    }

    private let state: Mutex<State>

    public init(chips: [Chip]) {
        var initial = State()
        for chip in chips { initial.chips[chip.name] = chip }
        state = Mutex(initial)
    }

    /// One chip "gpiochip0" with `lineCount` lines.
    public convenience init(lineCount: Int = 32) {
        self.init(chips: [Chip(name: "gpiochip0", label: "in-memory", lineCount: lineCount)])
    }

    // MARK: GPIOBackend

    public func requestOutput(chip: String, offset: UInt32, consumer: String, initial: Bool) throws(GPIOError)
        -> any GPIOOutputLine
    {
        let (key, id) = try request(chip: chip, offset: offset, consumer: consumer, signal: nil, initial: initial)
        return OutputLine(backend: self, address: GPIOLineAddress(chip: chip, offset: offset), key: key, id: id)
    }

    public func requestRisingEdges(chip: String, offset: UInt32, consumer: String) throws(GPIOError)
        -> any GPIOEdgeLine
    {
        let signal = DispatchSemaphore(value: 0)
        let (key, id) = try request(chip: chip, offset: offset, consumer: consumer, signal: signal, initial: nil)
        return EdgeLine(backend: self, address: GPIOLineAddress(chip: chip, offset: offset), key: key, id: id,
                        signal: signal)
    }

    // MARK: Inspection and stimulus

    /// Every write so far, in order.
    public var writes: [Write] { state.withLock { $0.writes } }

    /// The writes to one line, in order (`chip` as for a request: name, path, number or label).
    public func writes(chip: String, offset: UInt32) -> [Write] {
        state.withLock { state in
            guard let key = Self.key(chip: chip, offset: offset, in: state) else { return [] }
            return state.writes.filter { Self.key(chip: $0.line.chip, offset: $0.line.offset, in: state) == key }
        }
    }

    /// The line's last written value (false before any write); nil for an unknown chip or offset.
    public func value(chip: String, offset: UInt32) -> Bool? {
        state.withLock { state in
            guard let key = Self.key(chip: chip, offset: offset, in: state) else { return nil }
            return state.lines[key]?.value ?? false
        }
    }

    /// The consumer holding the line, nil when it is free (or unknown).
    public func consumer(chip: String, offset: UInt32) -> String? {
        state.withLock { state in
            Self.key(chip: chip, offset: offset, in: state).flatMap { state.lines[$0]?.request?.consumer }
        }
    }

    /// A rising edge on the line, stamped now. Delivered when the line is requested for edges (true); lost
    /// otherwise, as on real hardware (false).
    @discardableResult
    public func injectRisingEdge(chip: String, offset: UInt32) -> Bool {
        let event = GPIOEdgeEvent(timestamp: Self.monotonicNow())
        return state.withLock { state in
            guard let key = Self.key(chip: chip, offset: offset, in: state),
                  var request = state.lines[key]?.request, let signal = request.signal
            else { return false }
            request.pending.append(event)
            state.lines[key]!.request = request
            signal.signal()
            return true
        }
    }

    // MARK: Internals used by the line handles

    /// The chip as gpiod_chip_open_lookup would find it, keyed by its name.
    private static func key(chip: String, offset: UInt32, in state: State) -> GPIOLineAddress? {
        guard let found = resolve(chip, in: state), offset < found.lineCount else { return nil }
        return GPIOLineAddress(chip: found.name, offset: offset)
    }

    private static func resolve(_ chip: String, in state: State) -> Chip? {
        switch GPIOChipPath.form(of: chip) {
        case .number(let number): return state.chips["gpiochip\(number)"]
        case .path: return state.chips[String(chip.dropFirst("/dev/".count))]
        case .name, .labelOrName:
            return state.chips.values.first { $0.label == chip && !chip.isEmpty } ?? state.chips[chip]
        }
    }

    private func request(chip: String, offset: UInt32, consumer: String, signal: DispatchSemaphore?, initial: Bool?)
        throws(GPIOError) -> (GPIOLineAddress, UInt64)
    {
        let address = GPIOLineAddress(chip: chip, offset: offset)
        return try state.withLock { (state: inout State) throws(GPIOError) -> (GPIOLineAddress, UInt64) in
            guard let found = Self.resolve(chip, in: state) else { throw GPIOError.chipUnavailable(chip, errno: ENOENT) }
            guard offset < found.lineCount else { throw GPIOError.noSuchLine(address, lineCount: found.lineCount) }
            let key = GPIOLineAddress(chip: found.name, offset: offset)
            if let holder = state.lines[key]?.request { throw GPIOError.busy(address, holder: holder.consumer) }
            let id = state.nextRequest
            state.nextRequest += 1
            state.lines[key, default: LineState()].request = Request(id: id, consumer: consumer, signal: signal)
            if let initial { Self.record(initial, on: key, as: address, in: &state) }
            return (key, id)
        }
    }

    private static func record(_ high: Bool, on key: GPIOLineAddress, as address: GPIOLineAddress,
                               in state: inout State) {
        state.lines[key, default: LineState()].value = high
        state.writes.append(Write(sequence: state.nextSequence, line: address, high: high))
        state.nextSequence += 1
    }

    fileprivate func set(_ high: Bool, key: GPIOLineAddress, id: UInt64, address: GPIOLineAddress) throws(GPIOError) {
        try state.withLock { (state: inout State) throws(GPIOError) in
            guard state.lines[key]?.request?.id == id else { throw GPIOError.released(address) }
            Self.record(high, on: key, as: address, in: &state)
        }
    }

    /// The oldest pending edge when `pop` (nil when none is pending, or when not `pop`); throws when the request is
    /// gone.
    fileprivate func takeEdge(key: GPIOLineAddress, id: UInt64, address: GPIOLineAddress, pop: Bool)
        throws(GPIOError) -> GPIOEdgeEvent?
    {
        try state.withLock { (state: inout State) throws(GPIOError) -> GPIOEdgeEvent? in
            guard var request = state.lines[key]?.request, request.id == id else { throw GPIOError.released(address) }
            guard pop, !request.pending.isEmpty else { return nil }
            let event = request.pending.removeFirst()
            state.lines[key]!.request = request
            return event
        }
    }

    fileprivate func release(key: GPIOLineAddress, id: UInt64) {
        state.withLock { state in
            guard let request = state.lines[key]?.request, request.id == id else { return }
            state.lines[key]!.request = nil
            request.signal?.signal()  // wakes a waiter, which then finds the request gone
        }
    }

    private static func monotonicNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    private final class OutputLine: GPIOOutputLine {
        let backend: InMemoryGPIO
        let address: GPIOLineAddress
        let key: GPIOLineAddress
        let id: UInt64

        init(backend: InMemoryGPIO, address: GPIOLineAddress, key: GPIOLineAddress, id: UInt64) {
            self.backend = backend
            self.address = address
            self.key = key
            self.id = id
        }

        func set(_ high: Bool) throws(GPIOError) { try backend.set(high, key: key, id: id, address: address) }
        func release() { backend.release(key: key, id: id) }
    }

    private final class EdgeLine: GPIOEdgeLine {
        let backend: InMemoryGPIO
        let address: GPIOLineAddress
        let key: GPIOLineAddress
        let id: UInt64
        let signal: DispatchSemaphore

        init(backend: InMemoryGPIO, address: GPIOLineAddress, key: GPIOLineAddress, id: UInt64,
             signal: DispatchSemaphore) {
            self.backend = backend
            self.address = address
            self.key = key
            self.id = id
            self.signal = signal
        }

        func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent? {
            let (seconds, nanoseconds) = timeout.gpioSecondsAndNanoseconds
            let deadline: DispatchTime = seconds >= 1_000_000
                ? .distantFuture : .now() + .nanoseconds(Int(seconds * 1_000_000_000 + nanoseconds))
            // The semaphore counts pending edges (plus one wake-up at release), so after a success takeEdge finds
            // an edge unless the request is gone, which it reports.
            let arrived = signal.wait(timeout: deadline) == .success
            return try backend.takeEdge(key: key, id: id, address: address, pop: arrived)
        }

        func release() { backend.release(key: key, id: id) }
    }
}
