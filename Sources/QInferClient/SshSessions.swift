import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The ssh children one transport started, so that a command can wait for them before it exits instead of leaving
/// them to finish as orphans.
final class SshSessions: Sendable {
    private let processes = Mutex<[SshProcess]>([])

    func add(_ process: SshProcess) {
        processes.withLock { $0.append(process) }
        process.exit.whenComplete { [weak self] _ in
            self?.processes.withLock { list in list.removeAll { $0 === process } }
        }
    }

    /// `timeout` for the children to end on their own (their connections are closed, so the board ends the sessions),
    /// then SIGTERM and a second, then SIGKILL.
    func waitForAll(timeout: Duration) {
        let live = processes.withLock { $0 }
        if Self.allExited(live, by: .now + timeout) { return }
        live.forEach { $0.terminate(SIGTERM) }
        if Self.allExited(live, by: .now + .seconds(1)) { return }
        live.forEach { $0.terminate(SIGKILL) }
        _ = Self.allExited(live, by: .now + .seconds(2))
    }

    /// Polled: this runs once, as a command ends, for a handful of children.
    private static func allExited(_ list: [SshProcess], by deadline: ContinuousClock.Instant) -> Bool {
        while true {
            if list.allSatisfy(\.hasExited) { return true }
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
    }
}
