import Foundation
import NIOCore
@testable import QInferClient
import QInferProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("which socket, and why it cannot be reached")
struct ConnectErrorTests {
    private func failure(_ path: String) throws -> ClientError {
        let client = DaemonClient(transport: UnixSocketTransport(path: path))
        do {
            _ = try client.send(DaemonRequest(.GET, APIPaths.health))
        } catch {
            return error
        }
        throw ClientError("a request to \(path) succeeded")
    }

    @Test("--socket wins, then $QINFERD_SOCKET when not empty, then the system socket")
    func resolution() {
        let env = [APIPaths.socketEnvironment: "/tmp/env.sock"]
        #expect(UnixSocketTransport(option: "/tmp/flag.sock", environment: env).path == "/tmp/flag.sock")
        #expect(UnixSocketTransport(option: nil, environment: env).path == "/tmp/env.sock")
        #expect(UnixSocketTransport(option: nil, environment: [APIPaths.socketEnvironment: ""]).path == APIPaths.defaultSocket)
        #expect(UnixSocketTransport(option: nil, environment: [:]).path == APIPaths.defaultSocket)
        #expect(DaemonClient(transport: UnixSocketTransport(path: "/tmp/x.sock")).endpoint == "/tmp/x.sock")
    }

    @Test("a missing path, a plain file and a socket nobody listens on are each named, with what to do")
    func unreachable() throws {
        let dir = "/tmp/qce-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let missing = dir + "/none.sock"
        var e = try failure(missing)
        #expect(e.message.contains("there is no socket at \(missing)") && e.message.contains("start qinferd"), "\(e)")

        let file = dir + "/plain"
        _ = FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3]))
        e = try failure(file)
        #expect(e.message.contains("\(file) is not a socket"), "\(e)")

        // A socket file left by a process that stopped listening: connect answers ECONNREFUSED.
        let stale = dir + "/stale.sock"
        close(try boundSocket(stale))
        e = try failure(stale)
        #expect(e.message.contains("nothing listens on \(stale)") && e.message.contains("start qinferd"), "\(e)")
    }

    @Test("a socket this user may not open says permission denied", .enabled(if: getuid() != 0, "root opens any socket"))
    func permission() throws {
        let server = try TestServer()
        chmod(server.socketPath, 0)
        let e = try failure(server.socketPath)
        #expect(e.message.contains("permission denied on \(server.socketPath)"), "\(e)")
    }

    @Test("connect(2)'s errno becomes the message: refused, permission, missing; anything else is quoted")
    func errnoMessages() {
        let transport = UnixSocketTransport(path: "/run/x.sock")
        func message(_ code: Int32) -> String { transport.connectFailure(IOError(errnoCode: code, reason: "connect")).message }
        #expect(message(ECONNREFUSED).hasPrefix("nothing listens on /run/x.sock"))
        #expect(message(EACCES).hasPrefix("permission denied on /run/x.sock"))
        #expect(message(EPERM).hasPrefix("permission denied on /run/x.sock"))
        #expect(message(ENOENT).hasPrefix("there is no socket at /run/x.sock"))
        #expect(message(ETIMEDOUT).hasPrefix("cannot connect to qinferd at /run/x.sock: "))
    }

    /// A bound, listening AF_UNIX socket at `path` (its file stays after the descriptor is closed).
    private func boundSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1) == 0 else { throw ClientError("cannot listen on \(path): \(String(cString: strerror(errno)))") }
        return fd
    }
}
