import Foundation
import QInferProtocol
import QInferRandom
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    @Suite("remote boards: dial-stdio, --host, verified push") struct Remote {
        /// The label `model` puts first for TestModels.input (the test models' labels are c0, c1, …).
        func topLabel(_ model: [UInt8]) throws -> String {
            let scores = try TestModels.expectedScores(model)
            let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
            return "c\(best)"
        }

        func cloud(_ s: Scratch) throws -> String {
            try s.write("cloud.npy", InputFileWriters.npy(shape: [TestModels.points, 3], f32: TestModels.input))
        }

        @Test("dial-stdio bridges one kept-alive connection: health, a push, an inference; stdin's end lets the answers out, then it exits 0")
        func bridge() throws {
            let s = try Scratch()
            let d = try startDaemon(s)
            let relay = try DialStdioProcess(["--socket", d.socket])
            try relay.send(HTTP.requestBytes("GET", "/v1/health", close: false))
            var r = try relay.readResponse()
            #expect(r.status == 200 && r.text.contains("\"ready\":true"), "\(r.text)")
            try relay.send(HTTP.requestBytes("PUT", "/v1/models/m?version=1", body: TestModels.a, close: false))
            r = try relay.readResponse()
            #expect(r.status == 201, "\(r.text)")
            let body = try HTTP.json(["input": TestModels.input.map(Double.init), "shape": [TestModels.points, 3]])
            try relay.send(HTTP.requestBytes("POST", "/v1/models/m/infer?outputs=1", headers: ["Content-Type": "application/json"],
                                             body: body, close: false))
            r = try relay.readResponse()
            let inferred = try r.decode(InferResponse.self)
            #expect(try inferred.version == "1" && TestModels.close(inferred.outputs ?? [], try TestModels.expectedScores(TestModels.a)))
            // The end of stdin: the socket's write side is shut, qinferd closes, dial-stdio ends.
            try relay.closeStdin()
            #expect(try relay.atEnd())
            #expect(try relay.waitExit() == 0, "\(relay.errorText())")
            #expect(try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self).activeVersion == "1")
            try expectHealthy(d, after: "a dial-stdio session")
        }

        @Test("dial-stdio with a request and the end of stdin at once: the answer still comes out before it exits")
        func requestThenEOF() throws {
            let s = try Scratch()
            let d = try startDaemon(s)
            let r = try runQInfer(["dial-stdio", "--socket", d.socket], input: HTTP.requestBytes("GET", "/v1/health", close: false))
            let text = String(decoding: r.out, as: UTF8.self)
            #expect(r.status == 0 && text.hasPrefix("HTTP/1.1 200") && text.contains("\"live\":true"), "\(text) \(r.err)")

            // An inference is answered later, by a worker: the half-closed connection stays open until it is written
            // (`printf request | qinfer dial-stdio` printed nothing while qinferd closed at the client's EOF). The model
            // takes milliseconds, past the event loop's short wait for a lone client's reply.
            let model = try randomPointNet(seed: 7, points: 1024, widths: [64, 256, 512], classes: 4)
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=1", body: model).status == 201)
            var rng = SplitMix64(seed: 9)
            let cloud = InputFileWriters.rawF32(rng.floats(1024 * 3, -1, 1))
            let infer = HTTP.requestBytes("POST", "/v1/models/m/infer", headers: ["Content-Type": "application/octet-stream",
                                                                                 "X-Tensor-Shape": "1024,3"], body: cloud, close: false)
            let answered = try runQInfer(["dial-stdio", "--socket", d.socket], input: infer)
            let answer = String(decoding: answered.out, as: UTF8.self)
            #expect(answered.status == 0 && answer.hasPrefix("HTTP/1.1 200") && answer.contains("\"top\""), "\(answer) \(answered.err)")
            try expectHealthy(d, after: "a half-closed dial-stdio")
        }

        @Test("dial-stdio on a missing, stale or non-socket path says which and exits 1")
        func deadSocket() throws {
            let s = try Scratch()
            let missing = s.sub("none.sock")
            var r = try runQInfer(["dial-stdio", "--socket", missing], input: HTTP.requestBytes("GET", "/v1/health"))
            #expect(r.status == 1 && r.err.contains("no socket at \(missing)") && r.out.isEmpty, "\(r.err)")
            let stale = s.sub("stale.sock")
            close(try listeningSocket(at: stale))
            r = try runQInfer(["dial-stdio", "--socket", stale], input: [])
            #expect(r.status == 1 && r.err.contains("nothing listens on \(stale)"), "\(r.err)")
            let file = try s.write("plain", [1])
            r = try runQInfer(["dial-stdio", "--socket", file], input: [])
            #expect(r.status == 1 && r.err.contains("\(file) is not a socket"), "\(r.err)")
        }

        @Test("dial-stdio connects as its own user: as uid 65534 a push through it is refused with 403, a read is served")
        func peerIdentity() throws {
            let setpriv = "/usr/bin/setpriv"
            guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else { return }
            let s = try Scratch()
            let d = try startDaemon(s, extra: ["--socket-mode", "0666", "--admin-group", ""])
            let relay = try DialStdioProcess(["--socket", d.socket], prefix: [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"])
            try relay.send(HTTP.requestBytes("PUT", "/v1/models/m?version=1", body: TestModels.a, close: false))
            var r = try relay.readResponse()
            #expect(r.status == 403 && r.text.contains("uid 65534"), "\(r.text)")
            try relay.send(HTTP.requestBytes("GET", "/v1/health", close: false))
            r = try relay.readResponse()
            #expect(r.status == 200, "\(r.text)")
            try relay.closeStdin()
            #expect(try relay.waitExit() == 0)
        }

        @Test("--host unix:///path and $QINFERD_HOST pick the socket; a bad URL is an error naming it and where it came from")
        func hostOption() throws {
            let s = try Scratch()
            let d = try startDaemon(s)
            var r = try runQInfer(["health", "--host", "unix://\(d.socket)"])
            #expect(r.status == 0 && r.out.contains("live, ready"), "\(r.err)")
            r = try runQInfer(["models"], environment: ["QINFERD_HOST": "unix://\(d.socket)"])
            #expect(r.status == 0 && r.out.contains("serves no model"), "\(r.err)")
            // --host before the subcommand, as `qinfer --host … push` is written.
            r = try runQInfer(["--host", "unix://\(d.socket)", "health"])
            #expect(r.status == 0 && r.out.contains("live, ready"), "--host before the subcommand: \(r.err)")
            // The flag wins over the environment.
            r = try runQInfer(["health", "--host", "unix://\(d.socket)"], environment: ["QINFERD_HOST": "unix:///nowhere.sock"])
            #expect(r.status == 0, "\(r.err)")
            r = try runQInfer(["health", "--host", "unix://\(d.socket)", "--socket", s.sub("other.sock")])
            #expect(r.status == 1 && r.err.contains("name two different sockets"), "\(r.err)")

            let bad: [(String, String)] = [
                ("tcp://board:22", "listens only on a Unix socket"), ("board", "is not a URL"), ("ssh://", "there is no host"),
                ("ssh://pi@board:0", "the port '0'"), ("ssh://pi@board:99999", "the port '99999'"), ("ssh://-oProxyCommand=x", "not a host name"),
                ("ssh://board/var/run", "no path"), ("ssh://bad user@board", "not a login name"), ("unix://relative.sock", "absolute socket path"),
            ]
            for (url, reason) in bad {
                r = try runQInfer(["health", "--host", url])
                #expect(r.status == 1 && r.err.contains("--host '\(url)'") && r.err.contains(reason), "\(url): \(r.err)")
            }
            r = try runQInfer(["health"], environment: ["QINFERD_HOST": "board"])
            #expect(r.status == 1 && r.err.contains("$QINFERD_HOST 'board'"), "\(r.err)")
        }

        @Test("--host ssh:// runs the real ssh: a closed port fails with ssh's message and one naming the host; no ssh on PATH is said",
              .enabled(if: executableOnPath("ssh"), "no ssh on PATH (apt-get install openssh-client)"))
        func sshFailures() throws {
            let port = Int(try freeLoopbackPort()) // nothing listens there
            let options = ["QINFER_SSH_OPTIONS": "-F /dev/null -o BatchMode=yes -o ConnectTimeout=2 -o UserKnownHostsFile=/dev/null"]
            let started = monotonicNow()
            var r = try runQInfer(["health", "--host", "ssh://nobody@127.0.0.1:\(port)"], environment: options)
            #expect(r.status == 1, "\(r.out) \(r.err)")
            #expect(r.err.contains("Connection refused"), "ssh's own message passes through: \(r.err)")
            #expect(r.err.contains("ssh could not connect to ssh://nobody@127.0.0.1:\(port) (exit status 255"), "\(r.err)")
            #expect(r.err.contains("known_hosts"), "\(r.err)")
            #expect(monotonicNow() - started < 20)
            // A push is refused the same way, before any byte of the model matters.
            let s = try Scratch()
            let qpack = try s.write("a.qpack", TestModels.a)
            r = try runQInfer(["--host", "ssh://127.0.0.1:\(port)", "push", qpack, "--activate"], environment: options)
            #expect(r.status == 1 && r.err.contains("ssh could not connect to ssh://127.0.0.1:\(port)"), "\(r.err)")

            r = try runQInfer(["health", "--host", "ssh://board"], environment: ["PATH": "/nonexistent"])
            #expect(r.status == 1 && r.err.contains("no `ssh` on PATH"), "\(r.err)")
        }

        @Test("push --verify: a right answer keeps the new version; a wrong one rolls back (status 3); a wrong first version is removed")
        func verifiedPush() throws {
            let s = try Scratch()
            let d = try startDaemon(s)
            let sock = ["--socket", d.socket]
            let a = try s.write("a.qpack", TestModels.a), b = try s.write("b.qpack", TestModels.b)
            let input = try cloud(s)
            let labelA = try topLabel(TestModels.a), labelB = try topLabel(TestModels.b)
            let wrong = (0..<6).map { "c\($0)" }.first { $0 != labelA && $0 != labelB } ?? "nope"

            var r = try runQInfer(["push", a, "--name", "m", "--version", "1"] + sock)
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.contains("sha256 ") && r.out.contains(": active"), "the push names version and digest: \(r.out)")

            // Right: stays active.
            r = try runQInfer(["push", b, "--name", "m", "--version", "2", "--verify", input, "--expect", labelB] + sock)
            #expect(r.status == 0, "\(r.out) \(r.err)")
            #expect(r.out.contains("installed m v2") && r.out.contains("verified: \(labelB) (") && r.out.contains(" µs"), "\(r.out)")
            #expect(r.err.isEmpty, "no progress line into a pipe: \(r.err)")
            var info = try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self)
            #expect(info.activeVersion == "2" && info.versions.map(\.version) == ["1", "2"], "\(info)")

            // Wrong: back to 2, 3 gone, status 3.
            r = try runQInfer(["push", a, "--name", "m", "--version", "3", "--verify", input, "--expect", wrong] + sock)
            #expect(r.status == 3, "\(r.out) \(r.err)")
            #expect(r.err.contains("verification failed: expected \(wrong), got \(labelA) (") && r.err.contains("rolled back to v2"), "\(r.err)")
            info = try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self)
            #expect(info.activeVersion == "2" && info.versions.map(\.version) == ["1", "2"], "\(info)")
            let served = try HTTP.inferJSON(d.socket, model: "m", points: TestModels.input, shape: [TestModels.points, 3]).decode(InferResponse.self)
            #expect(served.version == "2")

            // The whole verified push — model info, upload, inference, health, restore — is one connection: one ssh session.
            let proxy = try CountingProxy(path: s.sub("proxy.sock"), target: d.socket)
            r = try runQInfer(["push", a, "--name", "m", "--version", "9", "--verify", input, "--expect", wrong, "--socket", proxy.path])
            #expect(r.status == 3 && proxy.connections == 1, "\(proxy.connections) connections: \(r.err)")

            // A wrong first version: the model is deleted again.
            r = try runQInfer(["push", a, "--name", "fresh", "--verify", input, "--expect", wrong, "--json"] + sock)
            #expect(r.status == 3, "\(r.out) \(r.err)")
            let report = try jsonObject(r.out)
            let verification = report["verification"] as? [String: Any]
            #expect(verification?["verified"] as? Bool == false && (verification?["restored"] as? String)?.contains("removed fresh") == true, "\(r.out)")
            #expect((report["installed"] as? [String: Any])?["sha256"] is String, "\(r.out)")
            #expect(try HTTP.get(d.socket, "/v1/models/fresh").status == 404)

            // A verification that cannot run (the input does not fit the model) is a failure too, rolled back.
            let badInput = try s.write("bad.npy", InputFileWriters.npy(shape: [5, 2], f32: [Float](repeating: 0, count: 10)))
            r = try runQInfer(["push", a, "--name", "m", "--version", "4", "--verify", badInput, "--expect", labelA] + sock)
            #expect(r.status == 3 && r.err.contains("the inference was refused") && r.err.contains("rolled back to v2"), "\(r.err)")
            #expect(try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self).activeVersion == "2")

            // Argument rules, checked before connecting.
            r = try runQInfer(["push", a, "--verify", input] + sock)
            #expect(r.status == 64 && r.err.contains("--verify needs --expect"), "\(r.status) \(r.err)")
            r = try runQInfer(["push", a, "--expect", labelA] + sock)
            #expect(r.status == 64 && r.err.contains("--expect needs --verify"), "\(r.status) \(r.err)")
            r = try runQInfer(["push", a, "--name", "m", "--version", "5", "--verify", s.sub("missing.npy"), "--expect", labelA] + sock)
            #expect(r.status == 1 && r.err.contains("missing.npy"), "\(r.err)")
            #expect(try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self).versions.map(\.version) == ["1", "2"], "nothing uploaded")
            try expectHealthy(d, after: "verified pushes")
        }

        @Test("push on a terminal draws a progress line on stderr and ends it with a newline")
        func progressOnTerminal() throws {
            let script = "/usr/bin/script"
            guard FileManager.default.isExecutableFile(atPath: script) else { return }
            let s = try Scratch()
            let d = try startDaemon(s)
            let big = try s.write("big.qpack", try randomPointNet(seed: 9, points: TestModels.points, widths: [32, 64, 1024], classes: 1500))
            let qinfer = try Binaries.qinfer
            // script(1) gives the command a pseudo-terminal; its stdout and stderr both land in script's output.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            process.arguments = ["-qec", "\(qinfer) push \(big) --name big --socket \(d.socket)", "/dev/null"]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("uploading ") && text.contains("(100%)") && text.contains("/s"), "\(text)")
            #expect(text.contains("(100%)") && text.range(of: "(100%)[^\r\n]*\r?\n.*installed big v", options: .regularExpression) != nil,
                    "the line ends before the result: \(text.debugDescription)")
        }

        @Test("an upload cut short (a big Content-Length, part of the body, then close or dial-stdio killed) leaves the store as it was, no temporary file")
        func truncatedUpload() throws {
            let s = try Scratch()
            let state = s.sub("state")
            let d = try startDaemon(s, state: state)
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=1", body: TestModels.a).status == 201)
            let before = try HTTP.get(d.socket, "/v1/models").text
            let filesBefore = filesUnder(state)
            let big = try randomPointNet(seed: 9, points: TestModels.points, widths: [32, 64, 1024], classes: 1500)
            do {
                let c = try Connection(d.socket, timeout: 10)
                try c.send(Array("PUT /v1/models/m?version=2&activate=1 HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n".utf8))
                try c.send(Array(big[..<(big.count / 2)]))
                usleep(100_000)
            } // closed here, half the body sent
            usleep(300_000)
            try expectHealthy(d, after: "an upload cut short")
            #expect(try HTTP.get(d.socket, "/v1/models").text == before)
            #expect(filesUnder(state) == filesBefore, "no temporary files: \(filesUnder(state))")
            // The same through dial-stdio, killed mid-body as a dropped ssh session would end it.
            let relay = try DialStdioProcess(["--socket", d.socket])
            try relay.send(Array("PUT /v1/models/m?version=2&activate=1 HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n".utf8))
            try relay.send(Array(big[..<(big.count / 3)]))
            usleep(100_000)
            kill(relay.process.processIdentifier, SIGKILL)
            _ = try relay.waitExit()
            usleep(300_000)
            try expectHealthy(d, after: "dial-stdio killed mid-upload")
            #expect(try HTTP.get(d.socket, "/v1/models").text == before)
            #expect(filesUnder(state) == filesBefore, "no temporary files: \(filesUnder(state))")
            // And the same version uploads whole afterwards.
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=2", body: TestModels.b).status == 201)
        }
    }
}
