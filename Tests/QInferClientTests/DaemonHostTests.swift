@testable import QInferClient
import QInferProtocol
import Testing

@Suite("--host and $QINFERD_HOST: URLs, which transport, ssh's command line")
struct DaemonHostTests {
    @Test("ssh:// URLs: user, host, port, IPv6 in brackets, a trailing slash")
    func parsesSsh() throws {
        #expect(try DaemonHost.parse("ssh://pi@board", source: "--host") == .ssh(SshDestination(user: "pi", host: "board", port: nil)))
        #expect(try DaemonHost.parse("ssh://board:2222/", source: "--host") == .ssh(SshDestination(user: nil, host: "board", port: 2222)))
        #expect(try DaemonHost.parse("ssh://admin@127.0.0.2", source: "--host") == .ssh(SshDestination(user: "admin", host: "127.0.0.2", port: nil)))
        #expect(try DaemonHost.parse("ssh://u@[fe80::1%eth0]:22", source: "--host")
                == .ssh(SshDestination(user: "u", host: "fe80::1%eth0", port: 22)))
        #expect(try DaemonHost.parse("unix:///run/q.sock", source: "--host") == .unix(path: "/run/q.sock"))
        #expect(SshDestination(user: "u", host: "::1", port: 22).description == "ssh://u@[::1]:22")
    }

    @Test("bad URLs say what is wrong, with the URL and where it came from")
    func refusesBadURLs() {
        let cases: [(String, String)] = [
            ("ssh://", "there is no host"), ("ssh://pi@", "there is no host"), ("ssh://@board", "not a login name"),
            ("ssh://board:", "the port ''"), ("ssh://board:22x", "the port '22x'"), ("ssh://board:65536", "the port '65536'"),
            ("ssh://-oProxyCommand=evil", "not a host name"), ("ssh://-l@board", "not a login name"), ("ssh://board?x=1", "no path"),
            ("ssh://[::1", "no closing ']'"), ("ssh://[::1]x", "unexpected"), ("ssh://[zz]", "not an IPv6 address"),
            ("ssh://bo ard", "not a host name"), ("http://board", "listens only on a Unix socket"), ("board:22", "is not a URL"),
            ("unix://", "absolute socket path"), ("unix://run/q.sock", "absolute socket path"),
        ]
        for (url, reason) in cases {
            do {
                _ = try DaemonHost.parse(url, source: "$QINFERD_HOST")
                Issue.record("\(url) was accepted")
            } catch {
                #expect(error.message.hasPrefix("$QINFERD_HOST '\(url)'") && error.message.contains(reason), "\(url): \(error.message)")
            }
        }
    }

    @Test("--host, else $QINFERD_HOST, else the local socket; --socket goes to the board with ssh and must agree with unix://")
    func resolution() throws {
        let env = ["QINFERD_HOST": "ssh://pi@board", "QINFERD_SOCKET": "/tmp/local.sock"]
        var t = try DaemonHost.transport(host: nil, socket: nil, environment: env)
        #expect((t as? SshTransport)?.destination == SshDestination(user: "pi", host: "board", port: nil))
        #expect((t as? SshTransport)?.remoteSocket == nil, "the local $QINFERD_SOCKET is not the board's")
        t = try DaemonHost.transport(host: "unix:///tmp/flag.sock", socket: nil, environment: env)
        #expect((t as? UnixSocketTransport)?.path == "/tmp/flag.sock")
        t = try DaemonHost.transport(host: nil, socket: nil, environment: ["QINFERD_HOST": "", "QINFERD_SOCKET": "/tmp/local.sock"])
        #expect((t as? UnixSocketTransport)?.path == "/tmp/local.sock")
        t = try DaemonHost.transport(host: nil, socket: "/run/other.sock", environment: env)
        #expect((t as? SshTransport)?.remoteSocket == "/run/other.sock")
        #expect(t.endpoint == "ssh://pi@board")
        #expect(throws: ClientError.self) { try DaemonHost.transport(host: "unix:///a.sock", socket: "/b.sock", environment: [:]) }
        #expect((try DaemonHost.transport(host: "unix:///a.sock", socket: "/a.sock", environment: [:]) as? UnixSocketTransport)?.path == "/a.sock")
    }

    @Test("ssh's arguments: options from $QINFER_SSH_OPTIONS, -T, -p, -l, --, the host, then dial-stdio with a quoted --socket")
    func sshArguments() {
        let plain = SshTransport(destination: SshDestination(user: nil, host: "board", port: nil))
        #expect(plain.sshArguments == ["-T", "--", "board", "qinfer dial-stdio"])
        let full = SshTransport(destination: SshDestination(user: "admin", host: "127.0.0.2", port: 2222), remoteSocket: "/run/it's here.sock",
                                environment: ["QINFER_SSH_OPTIONS": " -o ConnectTimeout=5\t-i /k "])
        #expect(full.sshArguments == ["-o", "ConnectTimeout=5", "-i", "/k", "-T", "-p", "2222", "-l", "admin", "--", "127.0.0.2",
                                      "qinfer dial-stdio --socket '/run/it'\\''s here.sock'"])
    }
}

@Suite("what an ssh exit status tells the user")
struct SshFailureTests {
    @Test("255: reaching the host; 127: qinfer missing there; others: dial-stdio's message; a signal; a cut connection")
    func messages() {
        let d = SshDestination(user: "admin", host: "board", port: 2222)
        #expect(SshFailure.describe(.exited(255), destination: d, answered: false).message
                == "ssh could not connect to ssh://admin@board:2222 (exit status 255; ssh's message is above): check that the host is "
                + "reachable on port 2222, that it accepts your key or agent (try `ssh -p 2222 admin@board true`), that its host key "
                + "is in ~/.ssh/known_hosts, and your ~/.ssh/config entry for it")
        #expect(SshFailure.describe(.exited(127), destination: d, answered: false).message.hasPrefix("`qinfer` was not found on ssh://admin@board:2222"))
        #expect(SshFailure.describe(.exited(1), destination: d, answered: false).message.contains("`qinfer dial-stdio` on ssh://admin@board:2222 failed with exit status 1"))
        #expect(SshFailure.describe(.signaled(9), destination: d, answered: false).message.contains("killed by signal 9"))
        #expect(SshFailure.describe(.exited(255), destination: d, answered: true).message.hasPrefix("the connection to qinferd on ssh://admin@board:2222 broke: "))
    }
}
