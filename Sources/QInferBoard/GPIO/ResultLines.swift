import Synchronization

/// One output line per class index (e.g. an LED per class): the predicted class's line high, the others low.
///
/// Only lines whose value changes are written, lows before the high, so two lines are never high at once. Calls
/// from several workers take turns; the last one wins.
public final class ResultLines: Sendable {
    public let lines: [any GPIOOutputLine]
    /// What each line was last set to; nil until written, or after a failed write (so it is written again).
    private let known: Mutex<[Bool?]>

    public init(lines: [any GPIOOutputLine]) {
        self.lines = lines
        known = Mutex(Array(repeating: nil, count: lines.count))
    }

    /// Sets the line of `classIndex` high and all others low; an index without a line (nil, negative, past the
    /// end) sets all low. Every line is attempted; the first failure is thrown afterwards.
    public func show(classIndex: Int?) throws(GPIOError) {
        let lines = lines
        try known.withLock { (known: inout [Bool?]) throws(GPIOError) in
            var firstError: GPIOError?
            let lowsThenHigh = lines.indices.filter { $0 != classIndex } + lines.indices.filter { $0 == classIndex }
            for index in lowsThenHigh {
                let high = index == classIndex
                guard known[index] != high else { continue }
                do throws(GPIOError) {
                    try lines[index].set(high)
                    known[index] = high
                } catch {
                    known[index] = nil
                    if firstError == nil { firstError = error }
                }
            }
            if let firstError { throw firstError }
        }
    }

    /// Lowers every line (best effort) and releases them.
    public func release() {
        try? show(classIndex: nil)
        for line in lines { line.release() }
    }
}
