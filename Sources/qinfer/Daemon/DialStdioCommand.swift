// `qinfer dial-stdio`: what `qinfer --host ssh://board …` runs on the board, as `docker system dial-stdio` is for
// Docker. It connects to the local qinferd socket as the ssh login user, so qinferd's SO_PEERCRED check sees that
// user and the board's accounts and groups decide what it may do; the bytes themselves pass untouched.
import ArgumentParser
import Foundation
import QInferClient
import QInferProtocol
#if canImport(Glibc)
import Glibc
#endif

struct DialStdio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dial-stdio",
        abstract: "Connect stdin and stdout to a local qinferd's socket (run over ssh by `qinfer --host ssh://…`).",
        discussion: """
        Copies stdin to the socket and the socket to stdout. When stdin ends, the socket's write side is shut down \
        and whatever qinferd still sends is copied; the command exits when qinferd closes the connection. Exit \
        status 1 when the socket cannot be reached (the message says why) or stdout is gone.
        """
    )

    @Option(help: ArgumentHelp("qinferd's socket (default: $\(APIPaths.socketEnvironment), else \(APIPaths.defaultSocket)).",
                               valueName: "path"))
    var socket: String?

    func run() throws {
        let transport = UnixSocketTransport(option: socket)
        let fd = try Self.connect(transport)
        defer { close(fd) }
        try StdioRelay(socket: fd, endpoint: transport.path).run()
    }

    /// A blocking AF_UNIX connection, with UnixSocketTransport's words for what went wrong.
    static func connect(_ transport: UnixSocketTransport) throws -> Int32 {
        if let problem = transport.checkPath() { throw CLIError(problem.message) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(transport.path.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw CLIError("the socket path \(transport.path) is longer than a Unix socket address allows (\(MemoryLayout.size(ofValue: address.sun_path) - 1) bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw CLIError("cannot create a socket: \(String(cString: strerror(errno)))") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw CLIError(transport.connectFailure(errno: code, detail: String(cString: strerror(code))).message)
        }
        return fd
    }
}
