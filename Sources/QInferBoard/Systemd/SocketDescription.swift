#if os(Linux)
// CSystemd's headers bring <sys/socket.h>'s SOCK_* into scope; Glibc's Swift module alone does not export them in a
// whole-module (release) build.
import CSystemd
import Glibc

/// A descriptor in words, for socket activation's log lines and errors: what kind of socket (or file) it is and
/// where it listens.
enum SocketDescription {
    /// What a descriptor is, in words, for the error when it is not the socket we need.
    static func kind(fd: Int32) -> String {
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

    /// Where a socket listens: a filesystem path, "host:port" for IPv4, "[host]:port" for IPv6; nil for abstract or
    /// unnamed AF_UNIX sockets and other families.
    static func localAddress(fd: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer -> String? in
            switch family {
            case AF_UNIX:
                return pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) {
                    UnixSocketAddress.path(of: $0.pointee, length: length)
                }
            case AF_INET:
                let a = pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                var host = a.sin_addr
                return numericHost(AF_INET, &host, maxLength: Int(INET_ADDRSTRLEN)).map { "\($0):\(UInt16(bigEndian: a.sin_port))" }
            case AF_INET6:
                let a = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                var host = a.sin6_addr
                return numericHost(AF_INET6, &host, maxLength: Int(INET6_ADDRSTRLEN)).map { "[\($0)]:\(UInt16(bigEndian: a.sin6_port))" }
            default:
                return nil
            }
        }
    }

    private static func numericHost<A>(_ family: Int32, _ address: inout A, maxLength: Int) -> String? {
        var text = [CChar](repeating: 0, count: maxLength)
        guard inet_ntop(family, &address, &text, socklen_t(maxLength)) != nil else { return nil }
        return String(cString: text)
    }
}
#endif
