// `qinfer push`'s progress on a terminal: "uploading 12.0 MB / 40.0 MB (30%)  2.1 MB/s  ETA 13 s", redrawn in place
// at most ten times a second and ended with a newline. Nothing at all when stderr is a pipe or a file, so scripts
// and logs see only the result.
import Foundation
import QInferModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One upload's progress line on stderr.
final class UploadProgressLine: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastDrawn: ContinuousClock.Instant?
        var finished = false
    }
    private let state = Mutex(State())
    static let minimumInterval = Duration.milliseconds(100)

    /// A line for stderr, or nil when stderr is not a terminal.
    static func onTerminal() -> UploadProgressLine? { isatty(STDERR_FILENO) == 1 ? UploadProgressLine() : nil }

    /// `sent` of `total` bytes have been written; redrawn when the last draw is old enough, and always at the end.
    func update(sent: Int, total: Int) {
        let text: String? = state.withLock { s in
            let now = ContinuousClock.now
            guard !s.finished else { return nil }
            if sent < total, let last = s.lastDrawn, now - last < Self.minimumInterval { return nil }
            s.lastDrawn = now
            return Self.render(sent: sent, total: total, elapsed: now - s.started)
        }
        if let text { Self.write("\r\u{1B}[K" + text) }
    }

    /// Ends the line (once), so whatever is printed next starts on a line of its own.
    func finish() {
        let drawn = state.withLock { s in
            defer { s.finished = true }
            return !s.finished && s.lastDrawn != nil
        }
        if drawn { Self.write("\n") }
    }

    static func render(sent: Int, total: Int, elapsed: Duration) -> String {
        let seconds = elapsed.seconds
        let percent = total > 0 ? sent * 100 / total : 100
        var line = "uploading \(byteCount(sent)) / \(byteCount(total)) (\(percent)%)"
        // A rate over the first few milliseconds says nothing; the whole upload's always says something.
        guard seconds > 0, sent > 0, seconds > 0.05 || sent == total else { return line }
        let rate = Double(sent) / seconds
        line += "  \(byteCount(Int(rate)))/s"
        if sent < total { line += "  ETA \(Int(((Double(total - sent)) / rate).rounded(.up))) s" }
        return line
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.write(STDERR_FILENO, base + done, raw.count - done)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }
}
