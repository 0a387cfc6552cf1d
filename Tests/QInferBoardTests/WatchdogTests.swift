import Glibc
import QInferBoard
import QInferTestSupport
import Synchronization
import Testing

extension ProcessEnvironmentTests {
    /// Real sd_watchdog_enabled and sd_notify; pings are read back from a datagram socket.
    @Suite struct WatchdogTests {
        @Test("WATCHDOG_USEC=200000: pings every ~100 ms while healthy, none once the health check fails")
        func pingsFollowHealth() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let manager = try DatagramReceiver(path: directory.path + "/notify")
            let healthy = HealthFlag()
            let environment = ["NOTIFY_SOCKET": manager.path, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(getpid())"]
            try withEnvironment(environment) { () throws in
                let watchdog = try #require(try Watchdog.fromEnvironment { healthy.value.load(ordering: .relaxed) })
                #expect(watchdog.timeoutMicroseconds == 200_000)
                #expect(watchdog.intervalMicroseconds == 100_000)
                watchdog.start()
                defer { watchdog.stop() }

                var arrivals: [UInt64] = []
                for _ in 0..<6 {
                    #expect(manager.receive(timeoutMilliseconds: 1000) == "WATCHDOG=1")
                    arrivals.append(monotonicMicroseconds())
                }
                let gaps = zip(arrivals.dropFirst(), arrivals).map { Double($0 - $1) / 1000 }
                let mean = gaps.reduce(0, +) / Double(gaps.count)
                // The timer is exact to a few ms; the bounds leave room for a busy shared machine.
                #expect(mean > 80 && mean < 130, "mean ping interval \(mean) ms, gaps \(gaps)")
                #expect(gaps.allSatisfy { $0 > 40 && $0 < 190 }, "gaps \(gaps) ms")

                healthy.value.store(false, ordering: .relaxed)
                // A tick that read the health check just before the switch may still land.
                _ = manager.receive(timeoutMilliseconds: 150)
                #expect(manager.receive(timeoutMilliseconds: 450) == nil, "pinged while unhealthy")

                healthy.value.store(true, ordering: .relaxed)
                #expect(manager.receive(timeoutMilliseconds: 1000) == "WATCHDOG=1", "pings resume when healthy again")
            }
        }

        @Test("stop() ends the pings")
        func stop() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let manager = try DatagramReceiver(path: directory.path + "/notify")
            try withEnvironment(["NOTIFY_SOCKET": manager.path]) { () throws in
                let watchdog = Watchdog(timeoutMicroseconds: 100_000) { true }
                watchdog.start()
                #expect(manager.receive(timeoutMilliseconds: 1000) == "WATCHDOG=1")
                watchdog.stop()
                while manager.receive(timeoutMilliseconds: 0) != nil {}
                #expect(manager.receive(timeoutMilliseconds: 300) == nil)
                watchdog.stop()  // idempotent
            }
        }

        @Test("no watchdog without WATCHDOG_USEC or when WATCHDOG_PID names another process")
        func disabled() throws {
            try withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) { () throws in
                #expect(try Watchdog.configuredTimeout() == nil)
                #expect(try Watchdog.fromEnvironment { true } == nil)
            }
            try withEnvironment(["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(getpid() + 1)"]) { () throws in
                #expect(try Watchdog.configuredTimeout() == nil)
            }
            try withEnvironment(["WATCHDOG_USEC": "200000", "WATCHDOG_PID": nil]) { () throws in
                #expect(try Watchdog.configuredTimeout() == 200_000)
            }
        }

        @Test("a malformed WATCHDOG_USEC is an error naming the value")
        func malformed() throws {
            try withEnvironment(["WATCHDOG_USEC": "soon", "WATCHDOG_PID": "\(getpid())"]) { () throws in
                let error = #expect(throws: SystemdError.self) { try Watchdog.configuredTimeout() }
                #expect(error?.message.contains("WATCHDOG_USEC=soon") == true)
            }
        }
    }
}

/// The health check's answer, flipped by the test while the watchdog's timer reads it.
final class HealthFlag: Sendable {
    let value = Atomic(true)
}
