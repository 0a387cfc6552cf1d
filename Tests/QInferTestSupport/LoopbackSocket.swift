// TCP on 127.0.0.1 for the metrics-socket tests: a listening socket as qinferd-metrics.socket passes one, and a
// client connection to it.
#if canImport(Glibc)
import Glibc

/// A TCP socket listening on 127.0.0.1 at a port the kernel chose, close-on-exec, on a descriptor above 10 (so a
/// test can dup2 it onto 3, 4, … for a child).
public func loopbackListener() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok, listen(fd, 64) == 0 else {
        let code = errno
        close(fd)
        throw TestFailure("bind/listen on 127.0.0.1: errno \(code)")
    }
    let high = fcntl(fd, F_DUPFD_CLOEXEC, 10)
    close(fd)
    guard high >= 0 else { throw TestFailure("fcntl F_DUPFD_CLOEXEC: errno \(errno)") }
    return (high, UInt16(bigEndian: address.sin_port))
}

/// A port on 127.0.0.1 nothing listens on right now (for a server the test starts, which binds it itself).
public func freeLoopbackPort() throws -> UInt16 {
    let (fd, port) = try loopbackListener()
    close(fd)
    return port
}

/// Connects to 127.0.0.1:`port`; the descriptor, or nil with errno set.
public func connectLoopback(_ port: UInt16) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if result == 0 { return fd }
    let code = errno
    close(fd)
    errno = code
    return nil
}
#endif
