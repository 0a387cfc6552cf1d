import Foundation
import Synchronization
@testable import QInferSensors
import QInferTestSupport

/// A directory tree laid out like a board's sysfs and /proc (paths relative to its root, as on the board), with
/// atomic file replacement so a reader never sees half a value.
final class SysfsFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    var root: String { dir.path }
    var files: SysfsFiles { SysfsFiles(root: root) }

    init() throws { dir = try TemporaryDirectory() }
    deinit { dir.remove() }

    func write(_ path: String, _ value: String) {
        let full = root + path
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let tmp = full + ".tmp"
        _ = FileManager.default.createFile(atPath: tmp, contents: Data((value + "\n").utf8))
        rename(tmp, full)
    }
}

/// A thread that keeps rewriting fixture values while a test reads them (the board's sensors changing).
final class FixtureWriter: @unchecked Sendable {
    private let running = Atomic<Bool>(true)
    private let done = DispatchSemaphore(value: 0)
    let started = ContinuousClock.now

    /// Calls `step(secondsSinceStart)` every `interval` until stopped.
    init(interval: Duration, _ step: @escaping @Sendable (Double) -> Void) {
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) {
                let t = ContinuousClock.now - started
                step(Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18)
                Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
            }
            done.signal()
        }
        thread.start()
    }

    func stop() {
        running.store(false, ordering: .releasing)
        done.wait()
    }
}
