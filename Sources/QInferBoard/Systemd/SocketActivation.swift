#if os(Linux)
import CSystemd
import Glibc

/// A listening socket inherited from the service manager (qinferd.socket) through LISTEN_FDS.
public struct ActivatedSocket: Sendable, Equatable {
    /// The descriptor, from 3 (SD_LISTEN_FDS_START) on, with FD_CLOEXEC set.
    public let fd: Int32
    /// Its LISTEN_FDNAMES name: FileDescriptorName= of the socket unit, which defaults to the unit's name.
    public let name: String
    /// The filesystem path it is bound to, when it has one.
    public let path: String?
}

/// Socket activation per sd_listen_fds(3): finds the inherited listening AF_UNIX stream socket, if any.
public enum SocketActivation {
    /// The name systemd gives qinferd.socket's descriptor (FileDescriptorName= defaults to the unit name).
    public static let defaultName = "qinferd.socket"

    /// The inherited listening socket, or nil when the process was not socket-activated (LISTEN_FDS unset or
    /// meant for another PID).
    ///
    /// With one descriptor it is used whatever its name; with several, exactly one must be named `name`.
    /// LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are unset by default, so children never inherit them.
    /// - Throws: ``SystemdError`` naming the descriptor and what it is when it is not a listening AF_UNIX stream
    ///   socket, or listing the names when the choice is ambiguous.
    public static func listeningSocket(named name: String = defaultName, unsetEnvironment: Bool = true) throws
        -> ActivatedSocket?
    {
        let rawFDs = getenv("LISTEN_FDS").map { String(cString: $0) } ?? "(unset)"
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names)
        let fdNames = takeNames(names, count: Int(max(count, 0)))
        if count < 0 {
            throw SystemdError.system("socket activation: LISTEN_FDS=\(rawFDs) is malformed", errno: -count)
        }
        if count == 0 { return nil }

        let index: Int
        if count == 1 {
            index = 0
        } else {
            let matches = fdNames.indices.filter { fdNames[$0] == name }
            guard matches.count == 1 else {
                let listed = fdNames.enumerated().map { "fd \(Int(SD_LISTEN_FDS_START) + $0.offset)=\"\($0.element)\"" }
                throw SystemdError(
                    "socket activation passed \(count) descriptors (\(listed.joined(separator: ", "))) and "
                        + (matches.isEmpty ? "none" : "\(matches.count)") + " named \"\(name)\"; "
                        + "give exactly one FileDescriptorName=\(name) in the .socket unit")
            }
            index = matches[0]
        }
        let fd = Int32(SD_LISTEN_FDS_START) + Int32(index)
        let fdName = fdNames[index]
        let check = sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0)
        if check < 0 {
            throw SystemdError.system("socket activation: cannot inspect fd \(fd) (\"\(fdName)\")", errno: -check)
        }
        if check == 0 {
            throw SystemdError(
                "socket activation: fd \(fd) (\"\(fdName)\") is not a listening AF_UNIX stream socket: it is "
                    + describe(fd: fd) + "; check ListenStream= in the .socket unit")
        }
        return ActivatedSocket(fd: fd, name: fdName, path: boundPath(fd: fd))
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

    /// What a descriptor is, in words, for the error when it is not the socket we need.
    static func describe(fd: Int32) -> String {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return "unusable (\(errnoText(Glibc.errno)))" }
        switch info.st_mode & S_IFMT {
        case S_IFSOCK: break
        case S_IFREG: return "a regular file, not a socket"
        case S_IFDIR: return "a directory, not a socket"
        case S_IFIFO: return "a pipe or FIFO, not a socket"
        case S_IFCHR: return "a character device, not a socket"
        case S_IFBLK: return "a block device, not a socket"
        default: return "not a socket"
        }
        let domain = socketOption(fd, SO_DOMAIN), type = socketOption(fd, SO_TYPE)
        let listening = socketOption(fd, SO_ACCEPTCONN)
        let family: String
        switch domain {
        case AF_UNIX: family = "AF_UNIX"
        case AF_INET: family = "AF_INET"
        case AF_INET6: family = "AF_INET6"
        default: family = domain.map { "address family \($0)" } ?? "unknown address family"
        }
        let kind: String
        switch type {
        case Int32(SOCK_STREAM.rawValue): kind = "stream"
        case Int32(SOCK_DGRAM.rawValue): kind = "datagram"
        case Int32(SOCK_SEQPACKET.rawValue): kind = "seqpacket"
        default: kind = type.map { "type \($0)" } ?? "unknown type"
        }
        let state = listening == 1 ? "listening" : "not listening"
        return "an \(family) \(kind) socket, \(state)"
    }

    private static func socketOption(_ fd: Int32, _ option: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? value : nil
    }

    /// getsockname's path for a filesystem AF_UNIX socket; nil for abstract or unnamed ones.
    static func boundPath(fd: Int32) -> String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0, address.sun_family == sa_family_t(AF_UNIX) else { return nil }
        return UnixSocketAddress.path(of: address, length: length)
    }
}
#endif
