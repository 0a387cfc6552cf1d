import Logging

/// The daemon's GPIO lines on one chip, requested together at start and held until ``release()``.
///
/// Requesting is all or nothing: when a later line fails (busy, missing), the lines already requested are released
/// before the error is thrown, so a daemon that refuses to start leaves no line held.
public struct BoardGPIO: Sendable {
    /// High around each inference; counts only when no busy line is configured.
    public let busy: BusyIndicator
    /// One line per class index; empty when none are configured.
    public let results: ResultLines
    /// The trigger input, for a ``TriggerWatcher`` (which releases it on stop).
    public let trigger: (any GPIOEdgeLine)?

    public init(busy: BusyIndicator, results: ResultLines, trigger: (any GPIOEdgeLine)?) {
        self.busy = busy
        self.results = results
        self.trigger = trigger
    }

    /// No lines at all: the indicator only counts, results go nowhere.
    public static let none = BoardGPIO(busy: BusyIndicator(line: nil), results: ResultLines(lines: []), trigger: nil)

    /// Requests the configured lines on `chip`, outputs low.
    /// - Throws: the first ``GPIOError``, naming the chip, the offset and the reason.
    public static func request(
        backend: any GPIOBackend, chip: String, busyLine: UInt32?, triggerLine: UInt32?, resultLines: [UInt32],
        consumer: String = "qinferd", logger: Logger? = nil
    ) throws(GPIOError) -> BoardGPIO {
        var outputs: [any GPIOOutputLine] = []
        var trigger: (any GPIOEdgeLine)?
        do throws(GPIOError) {
            let busy = try busyLine.map { offset throws(GPIOError) in
                try backend.requestOutput(chip: chip, offset: offset, consumer: consumer + "-busy", initial: false)
            }
            if let busy { outputs.append(busy) }
            for offset in resultLines {
                outputs.append(try backend.requestOutput(chip: chip, offset: offset, consumer: consumer + "-result",
                                                         initial: false))
            }
            trigger = try triggerLine.map { offset throws(GPIOError) in
                try backend.requestRisingEdges(chip: chip, offset: offset, consumer: consumer + "-trigger")
            }
            return BoardGPIO(busy: BusyIndicator(line: busy, logger: logger),
                             results: ResultLines(lines: Array(outputs.dropFirst(busy == nil ? 0 : 1))),
                             trigger: trigger)
        } catch {
            for line in outputs { line.release() }
            trigger?.release()
            throw error
        }
    }

    /// Lowers and releases every output and releases the trigger line (stop its watcher first).
    public func release() {
        busy.release()
        results.release()
        trigger?.release()
    }
}
