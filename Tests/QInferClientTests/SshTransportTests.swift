// SshTransport's own parts with real processes: the real OpenSSH client against a closed loopback port (its exit
// status becomes the error), and — for the pipes, keep-alive, progress and reaping — the board's side, the real
// `qinfer dial-stdio`, run directly in ssh's place against a server in this process. No stand-in for ssh.
import Foundation
import NIOCore
@testable import QInferClient
import QInferProtocol
import QInferTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ssh transport: real processes on pipes", .serialized)
struct SshTransportTests {
    /// The built `qinfer`, next to the test bundle.
    static func qinfer() throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("qinfer").path) && dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        let path = dir.appendingPathComponent("qinfer").path
        try #require(FileManager.default.isExecutableFile(atPath: path), "qinfer is not built next to the test bundle; run `swift build` first")
        return path
    }

    static let board = SshDestination(user: "pi", host: "board", port: nil)

    /// Children of this process (all threads) whose command line contains `marker` (other suites run children too).
    static func children(with marker: String) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let pids = tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/self/task/\(task)/children", encoding: .utf8)) ?? "").split(separator: " ").map(String.init)
        }
        return pids.filter { pid in
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: commandLine.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker)
        }
    }

    @Test("requests, a 1 MB upload with its progress, an error answer: one dial-stdio process for all, reaped at close")
    func pipesAndKeepAlive() throws {
        let server = try TestServer()
        let transport = SshTransport(destination: Self.board, running: [try Self.qinfer(), "dial-stdio", "--socket", server.socketPath])
        let client = DaemonClient(transport: transport, keepAlive: true)
        var health = try client.send(DaemonRequest(.GET, "/health"))
        #expect(try health.status == 200 && health.decode(Health.self).ready)
        let progress = Mutex<[Int]>([])
        var upload = DaemonRequest(.PUT, "/echo", body: [UInt8](repeating: 7, count: 1 << 20))
        upload.onBodyWritten = { sent, total in
            #expect(total == 1 << 20)
            progress.withLock { $0.append(sent) }
        }
        let echoed = try JSONSerialization.jsonObject(with: Data(try client.call(upload).body)) as? [String: Any]
        #expect(echoed?["body_bytes"] as? Int == 1 << 20 && echoed?["served"] as? Int == 2, "one connection: \(String(describing: echoed))")
        let sent = progress.withLock { $0 }
        #expect(sent.count == 16 && sent == sent.sorted() && sent.last == 1 << 20, "\(sent)")
        #expect(throws: DaemonErrorResponse.self) { try client.call(DaemonRequest(.GET, "/refuse")) }
        health = try client.send(DaemonRequest(.GET, "/health"))
        #expect(health.status == 200)
        #expect(Self.children(with: server.socketPath).count == 1)
        client.close()
        #expect(Self.children(with: server.socketPath).isEmpty, "dial-stdio ended and was reaped")
    }

    @Test("the board side failing (dial-stdio on a missing socket: exit 1) is a ClientError naming the host, reaped")
    func remoteCommandFails() throws {
        let missing = "/nonexistent/\(UUID().uuidString).sock"
        let transport = SshTransport(destination: Self.board, running: [try Self.qinfer(), "dial-stdio", "--socket", missing])
        let client = DaemonClient(transport: transport)
        do {
            _ = try client.send(DaemonRequest(.GET, "/health"))
            Issue.record("a request through a failing dial-stdio succeeded")
        } catch {
            #expect(error.message.contains("`qinfer dial-stdio` on ssh://pi@board failed with exit status 1"), "\(error.message)")
        }
        client.close()
        #expect(Self.children(with: missing).isEmpty)
    }

    // The OpenSSH client is a test dependency here (Debian: openssh-client); without it this test is skipped, not faked.
    @Test("the real ssh to a closed loopback port: exit status 255 becomes what to check, the child is reaped",
          .enabled(if: executableOnPath("ssh"), "no ssh on PATH (apt-get install openssh-client)"))
    func realSshClosedPort() throws {
        let port = Int(try freeLoopbackPort()) // nothing listens there
        let transport = SshTransport(destination: SshDestination(user: "nobody", host: "127.0.0.1", port: port),
                                     sshOptions: ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=2",
                                                  "-o", "UserKnownHostsFile=/dev/null"])
        let client = DaemonClient(transport: transport, keepAlive: true)
        var upload = DaemonRequest(.PUT, "/v1/models/m", body: [UInt8](repeating: 1, count: 4 << 20))
        upload.onBodyWritten = { _, _ in }
        do {
            _ = try client.send(upload)
            Issue.record("a request over ssh to a closed port succeeded")
        } catch {
            #expect(error.message.hasPrefix("ssh could not connect to ssh://nobody@127.0.0.1:\(port) (exit status 255"), "\(error.message)")
            #expect(error.message.contains("ssh -p \(port) nobody@127.0.0.1 true"), "\(error.message)")
        }
        client.close()
        #expect(Self.children(with: "-p \(port) ").isEmpty)
    }
}
