// SIGTERM, SIGINT and SIGHUP for a daemon without a race at start: the signals are blocked in the process before
// any other thread exists (threads inherit the mask), so one that arrives early stays pending, and the main thread
// takes them with sigwait(2). (A DispatchSource registers its handler asynchronously after SIG_IGN: a
// `systemctl stop` right after READY=1 could be ignored and leave the daemon running until SIGKILL.)
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum SignalWaiter {
    public static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Blocks the handled signals in the calling thread; call first thing in main, before any thread is started.
    public static func blockEarly() {
        var set = mask()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Takes the handled signals one at a time with sigwait(2) and calls `handler` for each, forever: the daemon's
    /// main thread ends here. (Not dispatchMain(): libdispatch parks the main thread in sigsuspend with every
    /// signal unblocked, which would let SIGTERM's default action kill the process before any drain.)
    public static func run(_ handler: (Int32) -> Void) -> Never {
        var set = mask()
        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            handler(sig)
        }
    }

    private static func mask() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in handled { sigaddset(&set, s) }
        return set
    }
}
