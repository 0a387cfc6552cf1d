#if os(Linux)
import Glibc

/// sockaddr_un for filesystem paths: building one (refusing paths that do not fit) and reading one back.
enum UnixSocketAddress {
    /// sun_path's capacity including the terminating NUL (108 on Linux).
    static let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    static func make(path: String) throws -> sockaddr_un {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else {
            throw SystemdError("socket path \"\(path)\" is empty or contains a NUL byte")
        }
        guard bytes.count < pathCapacity else {
            throw SystemdError(
                "socket path \(path) is \(bytes.count) bytes; AF_UNIX paths must be shorter than \(pathCapacity)")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    static func path(of address: sockaddr_un, length: socklen_t) -> String? {
        let offset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let pathLength = Int(length) - offset
        guard pathLength > 0 else { return nil }
        return withUnsafeBytes(of: address.sun_path) { raw in
            let bytes = raw.prefix(min(pathLength, raw.count))
            guard let first = bytes.first, first != 0 else { return nil }  // abstract namespace
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Calls `body` with the address as the generic sockaddr pointer and length that bind/connect take.
    static func withSockaddr<R>(_ address: sockaddr_un, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var copy = address
        return withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
#endif
