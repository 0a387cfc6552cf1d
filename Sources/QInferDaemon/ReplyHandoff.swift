import Foundation
import Synchronization

/// Where a deferred reply (an inference) meets the event loop that writes it. A worker that posts its reply to an
/// event loop asleep in epoll wakes that thread: ~30 µs on a VM whose idle vCPU has halted, a fifth of a small
/// model's round trip. So when nothing else is in flight the loop waits here, briefly and bounded, for the reply, and
/// the worker leaves it here instead of posting; past the deadline the loop goes back to its work and the worker posts.
final class ReplyHandoff: Sendable {
    private enum State: Sendable {
        case waiting
        case ready(APIReply)
        case abandoned
    }

    private let state = Mutex(State.waiting)
    /// Set with the reply, so the waiting loop polls one atomic rather than the lock.
    private let arrived = Atomic<Bool>(false)

    /// The worker's side: true when the loop will take `reply` from here; false when it stopped waiting, and the
    /// reply must be posted to the loop instead.
    func offer(_ reply: APIReply) -> Bool {
        let kept = state.withLock { s -> Bool in
            guard case .waiting = s else { return false }
            s = .ready(reply)
            return true
        }
        if kept { arrived.store(true, ordering: .releasing) }
        return kept
    }

    /// The loop's side: the reply if it is here by `deadline` (at once if it already is); otherwise nil, and every
    /// later `offer` is refused. Yields the CPU while polling, so a worker sharing it runs.
    func take(by deadline: ContinuousClock.Instant) -> APIReply? {
        while !arrived.load(ordering: .acquiring) && ContinuousClock.now < deadline { sched_yield() }
        return state.withLock { s -> APIReply? in
            if case .ready(let reply) = s { return reply }
            s = .abandoned
            return nil
        }
    }
}
