import Logging
import Synchronization

/// Holds an optional output line high exactly while inferences run, for an external power analyser to gate its
/// measurement on.
///
/// With several inference workers the line is high while at least one inference runs: a counter under a lock
/// raises it on 0 → 1 and lowers it on 1 → 0, so overlapping inferences make one high period, not a flicker the
/// analyser would count as two. The write happens under the same lock, so a worker finishing (1 → 0) and another
/// starting (0 → 1) cannot land their writes in the wrong order and leave the line low during an inference. The
/// lock is held for one GPIO ioctl (microseconds); without a line the indicator only counts.
///
/// A failing write does not fail the inference: it is logged (once per run of failures) and counting goes on.
public final class BusyIndicator: Sendable {
    public let line: (any GPIOOutputLine)?
    private let logger: Logger?
    private let state = Mutex(State())

    private struct State {
        var running = 0
        var failing = false
    }

    public init(line: (any GPIOOutputLine)?, logger: Logger? = nil) {
        self.line = line
        self.logger = logger
    }

    /// Runs `body` with the line high; lowers it after the last overlapping call ends, also when `body` throws.
    public func around<T>(_ body: () throws -> T) rethrows -> T {
        begin()
        defer { end() }
        return try body()
    }

    /// Inferences currently inside ``around(_:)``.
    public var running: Int { state.withLock { $0.running } }

    private func begin() {
        state.withLock { state in
            state.running += 1
            if state.running == 1 { write(true, &state) }
        }
    }

    private func end() {
        state.withLock { state in
            state.running -= 1
            if state.running == 0 { write(false, &state) }
        }
    }

    private func write(_ high: Bool, _ state: inout State) {
        guard let line else { return }
        do {
            try line.set(high)
            if state.failing { logger?.notice("busy line writable again", metadata: ["line": "\(line.address)"]) }
            state.failing = false
        } catch {
            if !state.failing { logger?.error("cannot drive the busy line", metadata: ["error": "\(error)"]) }
            state.failing = true
        }
    }

    /// Lowers the line (best effort) and releases it. Call after the last inference.
    public func release() {
        guard let line else { return }
        try? line.set(false)
        line.release()
    }
}
