#if os(Linux)
import CSystemd
import Glibc

/// Tells the service manager about start-up, status, reloads, shutdown and liveness through sd_notify(3).
///
/// Every call is one datagram to `$NOTIFY_SOCKET`. Without that variable (not started by systemd, or
/// Type= is not notify) every call is a no-op that returns false, so the daemon can call these unconditionally.
public struct ServiceNotifier: Sendable {
    public init() {}

    /// Whether a service manager listens for notifications (`$NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Start-up (or a reload) is complete: READY=1, optionally with a status line.
    @discardableResult
    public func ready(status: String? = nil) throws -> Bool {
        try send(["READY=1"] + Self.statusField(status))
    }

    /// A free-form one-line status shown by `systemctl status` (newlines become spaces).
    @discardableResult
    public func status(_ text: String) throws -> Bool {
        try send(Self.statusField(text))
    }

    /// The watchdog keep-alive ping (WATCHDOG=1); see ``Watchdog`` for the periodic sender.
    @discardableResult
    public func watchdog() throws -> Bool {
        try send(["WATCHDOG=1"])
    }

    /// Shutdown has begun (STOPPING=1), e.g. on SIGTERM before draining requests.
    @discardableResult
    public func stopping(status: String? = nil) throws -> Bool {
        try send(["STOPPING=1"] + Self.statusField(status))
    }

    /// A configuration reload has begun; send ``ready(status:)`` when it is done.
    ///
    /// Carries MONOTONIC_USEC (CLOCK_MONOTONIC in µs) as sd_notify(3) asks from systemd 253 on, where
    /// Type=notify-reload matches the reload to this timestamp; systemd 252 ignores the field.
    @discardableResult
    public func reloading(status: String? = nil) throws -> Bool {
        try send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"] + Self.statusField(status))
    }

    /// The main process is `pid` (MAINPID=), for a daemon whose main process is not the one systemd started.
    @discardableResult
    public func mainPID(_ pid: pid_t) throws -> Bool {
        try send(["MAINPID=\(pid)"])
    }

    /// Sends `assignments` ("NAME=value") as one newline-separated message.
    ///
    /// - Returns: true when the datagram was sent, false when `$NOTIFY_SOCKET` is unset.
    /// - Throws: ``SystemdError`` naming the socket when sending failed.
    @discardableResult
    public func send(_ assignments: [String]) throws -> Bool {
        let state = assignments.joined(separator: "\n")
        let result = sd_notify(0, state)
        if result < 0 {
            let socket = getenv("NOTIFY_SOCKET").map { String(cString: $0) } ?? "(unset)"
            throw SystemdError.system("sd_notify to NOTIFY_SOCKET=\(socket) failed", errno: -result)
        }
        return result > 0
    }

    /// STATUS= must be one line: a newline would start a new assignment the manager would act on.
    static func statusField(_ text: String?) -> [String] {
        guard let text else { return [] }
        let oneLine = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        return ["STATUS=\(oneLine)"]
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
#endif
