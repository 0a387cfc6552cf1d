import Foundation
import QInferProtocol
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
import QInferRandom
#endif

extension Integration {
    @Suite("systemd") struct Systemd {
        @Test("SIGTERM the moment READY=1 arrives (systemctl start then stop) drains and exits 0, every time")
        func stopRightAfterReady() throws {
            let s = try Scratch()
            for i in 0..<5 {
                let listener = try NotifyListener(path: s.sub("notify\(i)"))
                let socket = s.sub("d\(i).sock")
                let d = try DaemonProcess(arguments: ["--socket", socket, "--state-dir", s.sub("state"), "--models-dir", s.sub("embedded")],
                                          socket: socket, log: s.sub("d\(i).log"), environment: ["NOTIFY_SOCKET": listener.path])
                try listener.receive(timeout: 30, "READY=1") { $0.split(separator: "\n").contains("READY=1") }
                d.signal(SIGTERM)
                try d.waitExit(timeout: 20)
                #expect(d.exitedNormally && d.exitCode == 0, "start \(i): \(d.describeStatus()); log:\n\(d.log)")
            }
        }

        @Test("sd_notify on a test NOTIFY_SOCKET: READY=1 with STATUS=, WATCHDOG=1 every half of WATCHDOG_USEC, RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM")
        func notify() throws {
            let s = try Scratch()
            let listener = try NotifyListener(path: s.sub("notify"))
            let socket = s.sub("d.sock")
            let d = try DaemonProcess(arguments: ["--socket", socket, "--state-dir", s.sub("state"), "--models-dir", s.sub("embedded")],
                                      socket: socket, log: s.sub("d.log"),
                                      environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
            let ready = try listener.receive(timeout: 30, "READY=1") { $0.split(separator: "\n").contains("READY=1") }
            let fields = ready.split(separator: "\n").map(String.init)
            #expect(fields.contains { $0.hasPrefix("STATUS=serving ") }, "\(ready)")
            // READY means serving: the socket answers right away.
            #expect(try HTTP.get(socket, "/v1/health").status == 200)

            // Pings at half of 400 ms.
            let start = monotonicNow()
            var pings: [Double] = []
            while monotonicNow() - start < 1.2 {
                if (try? listener.receive(timeout: 1.3 - (monotonicNow() - start), "WATCHDOG=1") { $0 == "WATCHDOG=1" }) != nil {
                    pings.append(monotonicNow())
                }
            }
            #expect((4...8).contains(pings.count), "\(pings.count) WATCHDOG=1 in 1.2 s (every 200 ms expected)")
            let gaps = zip(pings, pings.dropFirst()).map { $1 - $0 }
            #expect(gaps.allSatisfy { $0 > 0.1 && $0 < 0.4 }, "gaps between pings: \(gaps)")

            d.signal(SIGHUP)
            let reloading = try listener.receive(timeout: 10, "RELOADING=1") { $0.contains("RELOADING=1") }
            #expect(reloading.contains("MONOTONIC_USEC="), "\(reloading)")
            try listener.receive(timeout: 10, "READY=1 after the reload") { $0.split(separator: "\n").contains("READY=1") }

            d.signal(SIGTERM)
            let stopping = try listener.receive(timeout: 10, "STOPPING=1") { $0.contains("STOPPING=1") }
            #expect(stopping.contains("STATUS=draining"), "\(stopping)")
            try d.waitExit()
            #expect(d.exitedNormally && d.exitCode == 0, "\(d.describeStatus())\n\(d.log)")
        }

        @Test("socket activation: a socket bound by the test and passed as fd 3 with LISTEN_FDS=1 and LISTEN_PID is served; qinferd binds nothing itself")
        func socketActivation() throws {
            let s = try Scratch()
            let path = s.sub("activated.sock")
            let fd = try listeningSocket(at: path)
            defer { close(fd) }
            var before = stat()
            stat(path, &before)
            let own = s.sub("own.sock")
            let d = try DaemonProcess(arguments: ["--socket", own, "--state-dir", s.sub("state"), "--models-dir", s.sub("embedded")],
                                      socket: path, log: s.sub("d.log"), listenFD: fd)
            try d.waitReady()
            #expect(try HTTP.request(path, "PUT", "/v1/models/m?version=1", body: TestModels.a).status == 201)
            let r = try HTTP.inferJSON(path, model: "m", points: TestModels.input, shape: [TestModels.points, 3])
            try #expect(r.status == 200 && (try r.decode(InferResponse.self)).version == "1", "\(r.text)")
            #expect(!FileManager.default.fileExists(atPath: own), "qinferd bound its own socket although one was passed")
            var after = stat()
            stat(path, &after)
            #expect(after.st_ino == before.st_ino, "the activated socket's file was replaced")
            #expect(d.log.contains("(socket-activated)"), "\(d.log)")
            d.signal(SIGTERM)
            try d.waitExit()
            #expect(d.exitedNormally && d.exitCode == 0, "\(d.describeStatus())\n\(d.log)")
            var stopped = stat()
            #expect(stat(path, &stopped) == 0 && stopped.st_ino == before.st_ino, "an activated socket belongs to the service manager: left in place")
        }

        @Test("SIGTERM drains: requests in flight complete, new connections are refused, exit status 0")
        func drain() throws {
            let s = try Scratch()
            let listener = try NotifyListener(path: s.sub("notify"))
            let socket = s.sub("d.sock")
            let d = try DaemonProcess(arguments: ["--socket", socket, "--state-dir", s.sub("state"), "--models-dir", s.sub("embedded"),
                                                  "--workers", "1"],
                                      socket: socket, log: s.sub("d.log"), environment: ["NOTIFY_SOCKET": listener.path])
            try d.waitReady()
            // A slower model: 1024 points through wide binary layers.
            let slow = try randomPointNet(seed: 31, points: 1024, widths: [64, 256, 512], classes: 10)
            #expect(try HTTP.request(socket, "PUT", "/v1/models/slow?version=1", body: slow).status == 201)
            var rng = SplitMix64(seed: 5)
            let cloud = InputFileWriters.rawF32(rng.floats(1024 * 3, -1, 1))
            let headers = ["Content-Type": "application/octet-stream", "X-Tensor-Shape": "1024,3"]
            let probe = try HTTP.request(socket, "POST", "/v1/models/slow/infer", headers: headers, body: cloud)
            #expect(probe.status == 200, "\(probe.text)")
            let each = Double(try probe.decode(InferResponse.self).telemetry.totalMicros) / 1e6
            // Enough requests to keep the one worker busy for about a second after SIGTERM.
            let n = max(4, min(40, Int(1.0 / max(each, 0.001)) + 2))

            let connections = try (0..<n).map { _ in try Connection(socket, timeout: 60) }
            for c in connections { try c.send(HTTP.requestBytes("POST", "/v1/models/slow/infer", headers: headers, body: cloud)) }
            usleep(100_000) // all requests read and queued
            d.signal(SIGTERM)
            let stopping = try listener.receive(timeout: 10, "STOPPING=1") { $0.contains("STOPPING=1") }
            let draining = stopping.split(separator: "\n").first { $0.hasPrefix("STATUS=draining ") }
                .flatMap { Int($0.dropFirst("STATUS=draining ".count).prefix { $0.isNumber }) }
            #expect((draining ?? 0) > 0, "requests were in flight at SIGTERM (each takes \(each) s, \(n) sent): \(stopping)")
            usleep(50_000)
            if d.isRunning {
                #expect(throws: (any Error).self, "a new connection while draining") { _ = try Connection(socket, timeout: 2) }
            }
            var served = 0
            for c in connections {
                let r = try c.readResponse()
                #expect(r.status == 200, "\(r.text)")
                if r.status == 200 { served += 1 }
            }
            #expect(served == n)
            try d.waitExit()
            #expect(d.exitedNormally && d.exitCode == 0, "\(d.describeStatus())\n\(d.log)")
            #expect(d.log.contains("stopped after \(n + 1) request(s)"), "\(d.log)")
            #expect(!FileManager.default.fileExists(atPath: socket), "qinferd removes the socket it bound when it stops")
        }
    }
}
