// The two directions of `qinfer dial-stdio`, each a thread doing blocking reads and writes: no busy loop, and a
// direction waiting on its peer never holds up the other one.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Copies stdin → a connected socket and the socket → stdout until qinferd closes the connection.
struct StdioRelay {
    let socket: Int32
    /// The socket path, for messages.
    let endpoint: String
    static let chunkBytes = 64 << 10

    /// Returns when the socket's read side has ended (qinferd closed the connection); throws when stdout is gone or
    /// the socket fails. Stdin → socket runs on a thread of its own, which ends the socket's write side at stdin's
    /// end so that qinferd sees the client's end of the request stream.
    func run() throws {
        // A write to a closed stdout (ssh gone) or socket must fail with EPIPE, not kill the relay silently.
        signal(SIGPIPE, SIG_IGN)
        let socket = self.socket
        Thread.detachNewThread { Self.copyStdinToSocket(socket) }
        var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                // qinferd resetting the connection is its way of ending it too (e.g. after refusing a body).
                if errno == ECONNRESET { return }
                throw CLIError("reading from qinferd's socket \(endpoint) failed: \(String(cString: strerror(errno)))")
            }
            guard Self.writeAll(STDOUT_FILENO, buffer, count: n, send: false) else {
                throw CLIError("writing to stdout failed (\(String(cString: strerror(errno)))): whoever reads qinferd's answers has gone")
            }
        }
    }

    private static func copyStdinToSocket(_ socket: Int32) {
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            // The end of stdin, or a stdin that cannot be read: no more requests. A failed send means qinferd has
            // closed the connection (it answered, perhaps refusing the body); its answer is still being copied out.
            guard n > 0, writeAll(socket, buffer, count: n, send: true) else { break }
        }
        shutdown(socket, Int32(SHUT_WR))
    }

    /// Writes `count` bytes of `buffer`; false when the descriptor fails.
    private static func writeAll(_ fd: Int32, _ buffer: [UInt8], count: Int, send useSend: Bool) -> Bool {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return useSend ? Glibc.send(fd, base + done, count - done, Int32(MSG_NOSIGNAL)) : write(fd, base + done, count - done)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
