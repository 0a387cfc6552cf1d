import Foundation
import QInferModel
import QInferProtocol

/// A source's counters, last error and last answer, kept under its runner's lock so one snapshot is consistent.
struct SourceCounters {
    var seen = 0
    var inferred = 0
    var failed = 0
    var dropped = 0
    var errors = 0
    var restarts = 0
    var lastError: SourceEvent?
    var lastResult: SourceResult?
    var rate = RateWindow()

    mutating func error(_ message: String) {
        errors += 1
        lastError = SourceEvent(message: message, at: Self.timestamp())
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}

/// Completions per second over the last `span`: the instants of the latest completions in a fixed ring, so a fast
/// source costs no more memory than a slow one.
struct RateWindow {
    static let span = Duration.seconds(5)
    private var instants = [ContinuousClock.Instant?](repeating: nil, count: 256)
    private var next = 0
    private let began = ContinuousClock.now

    mutating func record(_ t: ContinuousClock.Instant = .now) {
        instants[next] = t
        next = (next + 1) % instants.count
    }

    func perSecond(now: ContinuousClock.Instant = .now) -> Double {
        let windowStart = now - Self.span
        let recent = instants.compactMap { $0 }.filter { $0 > windowStart }
        guard !recent.isEmpty else { return 0 }
        // A full ring whose oldest entry is inside the window covers less than the window: measure over what it holds.
        let full = instants.allSatisfy { $0 != nil } && recent.count == instants.count
        let from = full ? (recent.min() ?? windowStart) : max(windowStart, began)
        let seconds = (now - from).seconds
        guard seconds > 0.05 else { return 0 }
        return (Double(recent.count) / seconds * 100).rounded() / 100
    }
}
