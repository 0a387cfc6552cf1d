#if os(Linux)
import CSystemd
import Dispatch
import Glibc
import Logging
import Synchronization

/// Sends WATCHDOG=1 every half of WATCHDOG_USEC, but only while the daemon's health check passes.
///
/// A timer thread that pinged unconditionally would keep a wedged daemon alive; gating each ping on a health check
/// (e.g. "the scheduler dequeued something or is idle, the accept loop turned recently") lets systemd's
/// WatchdogSec= restart it instead. A health check that itself hangs also stops the pings, which is the point.
public final class Watchdog: Sendable {
    /// WATCHDOG_USEC: how long systemd waits for a ping before it acts.
    public let timeoutMicroseconds: UInt64
    /// The ping period, half the timeout as sd_watchdog_enabled(3) recommends.
    public var intervalMicroseconds: UInt64 { timeoutMicroseconds / 2 }

    private let notifier: ServiceNotifier
    private let healthCheck: @Sendable () -> Bool
    private let logger: Logger?
    private let queue = DispatchQueue(label: "qinferd.watchdog")
    private let queueKey = DispatchSpecificKey<Bool>()
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var timer: (any DispatchSourceTimer)?
        var healthy = true
        var lastPingFailed = false
    }

    /// The watchdog timeout systemd expects pings for (µs), or nil when WatchdogSec= is off or meant for another
    /// process (WATCHDOG_PID is not ours).
    public static func configuredTimeout() throws -> UInt64? {
        var usec: UInt64 = 0
        let result = sd_watchdog_enabled(0, &usec)
        if result < 0 {
            let value = getenv("WATCHDOG_USEC").map { String(cString: $0) } ?? "(unset)"
            throw SystemdError.system("WATCHDOG_USEC=\(value) is not a valid watchdog timeout", errno: -result)
        }
        return result > 0 && usec > 0 ? usec : nil
    }

    /// A watchdog for the timeout in the environment, or nil when systemd expects no pings. Not started yet.
    public static func fromEnvironment(
        notifier: ServiceNotifier = ServiceNotifier(), logger: Logger? = nil,
        healthCheck: @escaping @Sendable () -> Bool
    ) throws -> Watchdog? {
        guard let timeout = try configuredTimeout() else { return nil }
        return Watchdog(timeoutMicroseconds: timeout, notifier: notifier, logger: logger, healthCheck: healthCheck)
    }

    public init(
        timeoutMicroseconds: UInt64, notifier: ServiceNotifier = ServiceNotifier(), logger: Logger? = nil,
        healthCheck: @escaping @Sendable () -> Bool
    ) {
        precondition(timeoutMicroseconds >= 2, "watchdog timeout must be at least 2 µs")
        self.timeoutMicroseconds = timeoutMicroseconds
        self.notifier = notifier
        self.logger = logger
        self.healthCheck = healthCheck
        queue.setSpecific(key: queueKey, value: true)
    }

    deinit {
        state.withLock { $0.timer?.cancel() }
    }

    /// Pings now and then every ``intervalMicroseconds`` until ``stop()``. Starting twice is a no-op.
    public func start() {
        state.withLock { state in
            guard state.timer == nil else { return }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let interval = Int(clamping: intervalMicroseconds)
            // A little leeway lets the kernel batch wake-ups; a tenth of the period cannot make a ping late.
            timer.schedule(deadline: .now(), repeating: .microseconds(interval), leeway: .microseconds(interval / 10))
            timer.setEventHandler { [weak self] in self?.tick() }
            state.timer = timer
            timer.resume()
        }
    }

    /// Stops pinging; when it returns no further ping is sent. Do not call it from the health check.
    public func stop() {
        let timer = state.withLock { state in
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
        // cancel() does not wait for a tick already running; draining the serial queue does.
        if DispatchQueue.getSpecific(key: queueKey) == nil { queue.sync {} }
    }

    private func tick() {
        let healthy = healthCheck()
        let wasHealthy = state.withLock { state in
            defer { state.healthy = healthy }
            return state.healthy
        }
        if healthy != wasHealthy {
            if healthy {
                logger?.notice("health check passes again; watchdog pings resumed")
            } else {
                logger?.error("health check failed; withholding watchdog pings (systemd acts after the timeout)",
                              metadata: ["watchdog_usec": "\(timeoutMicroseconds)"])
            }
        }
        guard healthy else { return }
        do {
            try notifier.watchdog()
            state.withLock { $0.lastPingFailed = false }
        } catch {
            // Once per failure streak: a broken notify socket would otherwise log every period.
            let first = state.withLock { state in
                defer { state.lastPingFailed = true }
                return !state.lastPingFailed
            }
            if first { logger?.error("watchdog ping failed", metadata: ["error": "\(error)"]) }
        }
    }
}
#endif
