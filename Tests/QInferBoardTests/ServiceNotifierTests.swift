import Glibc
import QInferBoard
import QInferTestSupport
import Testing

extension ProcessEnvironmentTests {
    /// Real sd_notify against a datagram socket bound where NOTIFY_SOCKET points.
    @Suite struct ServiceNotifierTests {
        @Test("each message arrives as one datagram with exactly the expected text")
        func messages() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let manager = try DatagramReceiver(path: directory.path + "/notify")
            let notifier = ServiceNotifier()
            try withEnvironment(["NOTIFY_SOCKET": manager.path]) { () throws in
                #expect(notifier.isEnabled)
                #expect(try notifier.ready(status: "serving 2 models"))
                #expect(manager.receive() == "READY=1\nSTATUS=serving 2 models")
                #expect(try notifier.status("3 models, 1200 requests served"))
                #expect(manager.receive() == "STATUS=3 models, 1200 requests served")
                #expect(try notifier.watchdog())
                #expect(manager.receive() == "WATCHDOG=1")
                #expect(try notifier.stopping(status: "draining 4 requests"))
                #expect(manager.receive() == "STOPPING=1\nSTATUS=draining 4 requests")
                #expect(try notifier.stopping())
                #expect(manager.receive() == "STOPPING=1")
                #expect(try notifier.mainPID(4711))
                #expect(manager.receive() == "MAINPID=4711")
            }
        }

        @Test("RELOADING=1 carries MONOTONIC_USEC taken from CLOCK_MONOTONIC at the call")
        func reloading() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let manager = try DatagramReceiver(path: directory.path + "/notify")
            try withEnvironment(["NOTIFY_SOCKET": manager.path]) { () throws in
                let before = monotonicMicroseconds()
                #expect(try ServiceNotifier().reloading(status: "reloading configuration"))
                let after = monotonicMicroseconds()
                let message = try #require(manager.receive())
                let lines = message.split(separator: "\n").map(String.init)
                #expect(lines.count == 3)
                #expect(lines.first == "RELOADING=1")
                #expect(lines.last == "STATUS=reloading configuration")
                let stamp = try #require(lines.dropFirst().first)
                #expect(stamp.hasPrefix("MONOTONIC_USEC="))
                let value = try #require(UInt64(stamp.dropFirst("MONOTONIC_USEC=".count)))
                #expect(value >= before && value <= after)
            }
        }

        @Test("a status with newlines stays one STATUS line, so it cannot smuggle in READY=1")
        func statusIsOneLine() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let manager = try DatagramReceiver(path: directory.path + "/notify")
            try withEnvironment(["NOTIFY_SOCKET": manager.path]) { () throws in
                try ServiceNotifier().status("loading\nREADY=1")
                #expect(manager.receive() == "STATUS=loading READY=1")
            }
        }

        @Test("without NOTIFY_SOCKET every call is a no-op returning false")
        func disabled() throws {
            try withEnvironment(["NOTIFY_SOCKET": nil]) { () throws in
                let notifier = ServiceNotifier()
                #expect(!notifier.isEnabled)
                #expect(try !notifier.ready(status: "x"))
                #expect(try !notifier.watchdog())
                #expect(try !notifier.reloading())
                #expect(try !notifier.stopping())
            }
        }

        @Test("a NOTIFY_SOCKET nobody listens on is an error naming the socket")
        func unreachable() throws {
            try withEnvironment(["NOTIFY_SOCKET": "/tmp/qinferd-no-such-dir/notify"]) { () throws in
                let error = #expect(throws: SystemdError.self) { try ServiceNotifier().ready() }
                #expect(error?.message.contains("NOTIFY_SOCKET=/tmp/qinferd-no-such-dir/notify") == true)
                #expect(error?.errno == ENOENT)
            }
        }
    }
}

func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
}
