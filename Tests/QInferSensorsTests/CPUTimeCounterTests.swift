import Foundation
import Testing
@testable import QInferSensors
import QInferTestSupport

@Suite("CPU-time counters")
struct CPUTimeCounterTests {
    func error(_ counter: CPUTimeCounter, _ files: SysfsFiles) -> String {
        do { _ = try counter.nanoseconds(files: files); return "" } catch { return error.description }
    }

    @Test("another process: schedstat run time summed over its threads; a thread gone between listing and reading is skipped")
    func threads() throws {
        let f = try SysfsFixture()
        f.write("/proc/4242/task/4242/schedstat", "1500000000 20000000 310")
        f.write("/proc/4242/task/4243/schedstat", "250000123 1000 7")
        f.write("/proc/4242/task/4260/schedstat", "999 0 1")
        // Listed but unreadable, as a thread that exits after the task directory was read.
        try FileManager.default.createDirectory(atPath: f.root + "/proc/4242/task/4261", withIntermediateDirectories: true)
        f.write("/proc/4242/stat", "4242 (python3) S 1 4242 4242 0 -1 4194304 100 0 0 0 999 999 0 0 20 0 3 0")
        #expect(try CPUTimeCounter.process(pid: 4242).nanoseconds(files: f.files) == 1_500_000_000 + 250_000_123 + 999)
        #expect(CPUTimeCounter.process(pid: 4242).description == "CPU time of process 4242, /proc/4242/task/*/schedstat")
    }

    @Test("another process without readable schedstat: /proc/<pid>/stat utime + stime, a command name with spaces and parentheses")
    func statFallback() throws {
        let f = try SysfsFixture()
        let hz = Int64(sysconf(Int32(_SC_CLK_TCK)))
        // Fields 14 and 15 (utime 250, stime 50) counted from the last ')'.
        f.write("/proc/77/stat", "77 (ort (runner) x) R 1 77 77 0 -1 4194304 5000 0 12 0 250 50 0 0 20 0 9 0 123 456")
        try FileManager.default.createDirectory(atPath: f.root + "/proc/77/task/77", withIntermediateDirectories: true)
        #expect(try CPUTimeCounter.process(pid: 77).nanoseconds(files: f.files) == 300 * 1_000_000_000 / hz)
    }

    @Test("a malformed or missing file is an error naming its path")
    func malformed() throws {
        let f = try SysfsFixture()
        f.write("/proc/5/task/5/schedstat", "12 34 5")
        f.write("/proc/5/task/6/schedstat", "twelve 34 5")
        #expect(error(.process(pid: 5), f.files)
            == "\(f.root)/proc/5/task/6/schedstat: expected '<ns on cpu> <ns waiting> <timeslices>', got 'twelve 34 5\\n'")
        f.write("/proc/5/task/6/schedstat", "12")
        #expect(error(.process(pid: 5), f.files).hasPrefix("\(f.root)/proc/5/task/6/schedstat: expected"))
        f.write("/proc/5/task/6/schedstat", "99999999999999999999 0 1") // past Int64
        #expect(error(.process(pid: 5), f.files).hasPrefix("\(f.root)/proc/5/task/6/schedstat: expected"))
        f.write("/proc/5/task/6/schedstat", "9223372036854775800 0 1") // each fits, the sum does not
        #expect(error(.process(pid: 5), f.files).contains("/proc/5/task/6/schedstat: run time past 2^63 ns"))

        f.write("/proc/8/stat", "8 (sh) S 1 8")
        #expect(error(.process(pid: 8), f.files).hasPrefix("\(f.root)/proc/8/stat: expected utime and stime as fields 14 and 15"))
        f.write("/proc/8/stat", "8 sh S 1 8 8 0 -1 0 0 0 0 0 1 1")
        #expect(error(.process(pid: 8), f.files).hasPrefix("\(f.root)/proc/8/stat: no '(command)' field"))
        f.write("/proc/8/stat", "8 (sh) S 1 8 8 0 -1 0 0 0 0 0 9223372036854775807 1")
        #expect(error(.process(pid: 8), f.files).hasPrefix("\(f.root)/proc/8/stat: expected utime and stime"))

        #expect(error(.process(pid: 9), f.files)
            == "process 9: neither \(f.root)/proc/9/task/*/schedstat nor \(f.root)/proc/9/stat can be read (has it exited?)")
        #expect(error(.system, f.files).hasPrefix("\(f.root)/proc/stat: unreadable"))
        f.write("/proc/stat", "cpu  99999999999999999 0 0 0 0 0 0 0") // ticks that overflow as nanoseconds
        #expect(error(.system, f.files).hasPrefix("\(f.root)/proc/stat: unreadable, or its first line"))
    }

    /// Spins until `counter` has advanced by `nanoseconds` of CPU time, or `deadline` passes; the advance seen.
    func spin(_ counter: CPUTimeCounter, by nanoseconds: Int64, deadline: Duration = .seconds(5)) throws -> Int64 {
        let start = try counter.nanoseconds(files: SysfsFiles())
        let end = ContinuousClock.now + deadline
        var x = 1.0
        var now = start
        while now - start < nanoseconds && ContinuousClock.now < end {
            for i in 0..<1000 { x = (x + Double(i)).squareRoot() }
            now = try counter.nanoseconds(files: SysfsFiles())
        }
        #expect(x > 0)
        return now - start
    }

    @Test("this process's clock advances with busy work at sub-millisecond resolution")
    func thisProcess() throws {
        #expect(try spin(.thisProcess, by: 300_000) >= 300_000, "0.3 ms of CPU time within 5 s")
        // Nanoseconds, not ticks: two readings around a little work differ by less than one 10 ms tick, but not by 0.
        let a = try CPUTimeCounter.thisProcess.nanoseconds(files: SysfsFiles())
        var x = 1.0
        for i in 0..<20_000 { x = (x + Double(i)).squareRoot() }
        let b = try CPUTimeCounter.thisProcess.nanoseconds(files: SysfsFiles())
        #expect(b > a && x > 0)
    }

    @Test("a real process's threads in the real /proc: this one (at most its clock) and a busy child (advancing)")
    func realProc() throws {
        let me = getpid()
        let threads = try CPUTimeCounter.process(pid: me).nanoseconds(files: SysfsFiles())
        let clock = try CPUTimeCounter.thisProcess.nanoseconds(files: SysfsFiles())
        // The live threads' run time; threads that already exited count only in the process clock.
        #expect(threads > 0 && threads <= clock + 10_000_000, "threads \(threads) ns, process clock \(clock) ns")
        #expect(try PidCPUTime.statTicks(try #require(SysfsFiles().bytes("/proc/\(me)/stat")), path: "/proc/\(me)/stat") >= 0)

        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "while :; do :; done"]
        try child.run()
        // SIGKILL: the child inherits this process's signal mask, where other suites may have blocked SIGTERM.
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        #expect(try spinChild(child.processIdentifier) >= 20_000_000, "the child's 20 ms of CPU time within 5 s")
    }

    /// Waits (without spinning here) until the child's counter advances by 20 ms or 5 s pass.
    func spinChild(_ pid: Int32) throws -> Int64 {
        let counter = CPUTimeCounter.process(pid: pid)
        let start = try counter.nanoseconds(files: SysfsFiles())
        let end = ContinuousClock.now + .seconds(5)
        var now = start
        while now - start < 20_000_000 && ContinuousClock.now < end {
            Thread.sleep(forTimeInterval: 0.005)
            now = try counter.nanoseconds(files: SysfsFiles())
        }
        return now - start
    }
}
