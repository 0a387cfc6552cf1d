#if os(Linux)
import CSystemd
import Glibc

/// A listening socket inherited from the service manager through LISTEN_FDS.
public struct ActivatedSocket: Sendable, Equatable {
    /// The descriptor, from 3 (SD_LISTEN_FDS_START) on, with FD_CLOEXEC set.
    public let fd: Int32
    /// Its LISTEN_FDNAMES name: FileDescriptorName= of the socket unit, which defaults to the unit's name.
    public let name: String
    /// Where it listens, for the log: a path, "127.0.0.1:9464", "[::]:9464".
    public let address: String?
}

/// What systemd passed: the API socket (qinferd.socket) and the metrics-only socket (qinferd-metrics.socket, optional).
public struct ActivatedSockets: Sendable, Equatable {
    /// The API's AF_UNIX socket; nil when only a metrics socket was passed (qinferd then binds the API itself).
    public let api: ActivatedSocket?
    public let metrics: ActivatedSocket?
}

/// Socket activation per sd_listen_fds(3). Descriptors are told apart by their LISTEN_FDNAMES name, never by
/// position: systemd collects the fds of every socket unit that triggers the service in hash-table order
/// (service_collect_fds in src/core/service.c).
public enum SocketActivation {
    /// FileDescriptorName= of qinferd.socket.
    public static let apiName = "api"
    /// Also the API socket: the name qinferd.socket gave before (and its unit name, systemd's default).
    public static let legacyAPIName = "qinferd.socket"
    /// FileDescriptorName= of qinferd-metrics.socket.
    public static let metricsName = "metrics"
    /// The metrics socket without FileDescriptorName= (systemd's default, the unit name).
    public static let metricsUnitName = "qinferd-metrics.socket"

    /// The inherited sockets, or nil when the process was not socket-activated (LISTEN_FDS unset or meant for
    /// another PID).
    ///
    /// One descriptor is the API socket whatever its name (systemd-socket-activate and older units), unless it is
    /// named `metrics`. Several must each carry a known name, at most one of each kind.
    /// LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are unset by default, so children never inherit them.
    /// - Throws: ``SystemdError`` naming the descriptor and what it is when the API socket is not a listening
    ///   AF_UNIX stream socket or the metrics socket not a listening stream socket, or listing the names when they
    ///   do not say which is which.
    public static func sockets(unsetEnvironment: Bool = true) throws -> ActivatedSockets? {
        let rawFDs = getenv("LISTEN_FDS").map { String(cString: $0) } ?? "(unset)"
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names)
        let fdNames = takeNames(names, count: Int(max(count, 0)))
        if count < 0 {
            throw SystemdError.system("socket activation: LISTEN_FDS=\(rawFDs) is malformed", errno: -count)
        }
        if count == 0 { return nil }

        var api: Int?, metrics: Int?
        if count == 1 {
            if isMetrics(fdNames[0]) { metrics = 0 } else { api = 0 }
        } else {
            let listed = fdNames.enumerated().map { "fd \(Int(SD_LISTEN_FDS_START) + $0.offset)=\"\($0.element)\"" }
                .joined(separator: ", ")
            let known = "name the API socket \"\(apiName)\" and the metrics socket \"\(metricsName)\" with "
                + "FileDescriptorName= in the .socket units"
            for (index, name) in fdNames.enumerated() {
                let isAPI = name == apiName || name == legacyAPIName
                guard isAPI || isMetrics(name) else {
                    throw SystemdError("socket activation passed \(count) descriptors (\(listed)) and does not say what "
                                       + "\"\(name)\" is; \(known)")
                }
                guard (isAPI ? api : metrics) == nil else {
                    throw SystemdError("socket activation passed \(count) descriptors (\(listed)), two of them "
                                       + (isAPI ? "API" : "metrics") + " sockets; \(known)")
                }
                if isAPI { api = index } else { metrics = index }
            }
        }
        return ActivatedSockets(api: try api.map { try checked($0, fdNames[$0], family: AF_UNIX) },
                                metrics: try metrics.map { try checked($0, fdNames[$0], family: AF_UNSPEC) })
    }

    private static func isMetrics(_ name: String) -> Bool { name == metricsName || name == metricsUnitName }

    /// The descriptor at `index` if it is a listening stream socket of `family` (AF_UNSPEC: any).
    private static func checked(_ index: Int, _ name: String, family: Int32) throws -> ActivatedSocket {
        let fd = Int32(SD_LISTEN_FDS_START) + Int32(index)
        let check = sd_is_socket(fd, family, Int32(SOCK_STREAM.rawValue), 1)
        if check < 0 {
            throw SystemdError.system("socket activation: cannot inspect fd \(fd) (\"\(name)\")", errno: -check)
        }
        if check == 0 {
            let wanted = family == AF_UNIX ? "AF_UNIX stream" : "stream"
            throw SystemdError(
                "socket activation: fd \(fd) (\"\(name)\") is not a listening \(wanted) socket: it is "
                    + SocketDescription.kind(fd: fd) + "; check ListenStream= in the .socket unit")
        }
        return ActivatedSocket(fd: fd, name: name, address: SocketDescription.localAddress(fd: fd))
    }

    /// Copies and frees the strv that sd_listen_fds_with_names allocated (missing names read "unknown").
    private static func takeNames(_ names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int) -> [String] {
        guard let names else { return [String](repeating: "unknown", count: count) }
        var result: [String] = []
        var i = 0
        while let entry = names[i] {
            result.append(String(cString: entry))
            free(entry)
            i += 1
        }
        free(names)
        while result.count < count { result.append("unknown") }
        return result
    }
}
#endif
