// Whose CPU time the CPU-time power estimate counts. The estimate is only as fine as its counter: /proc/stat's
// aggregate line moves in USER_HZ ticks (10 ms) for the whole machine, so a 0.6 ms inference vanished into it;
// a process's own CPU clock and the scheduler's per-thread run time are kept in nanoseconds.

/// A cumulative CPU-time counter, in nanoseconds; only differences between two readings mean anything.
public enum CPUTimeCounter: Sendable, Equatable, CustomStringConvertible {
    /// This process, every thread: clock_gettime(CLOCK_PROCESS_CPUTIME_ID). qinferd's choice: the inferences are its own work.
    case thisProcess
    /// Another process by pid: /proc/<pid>/task/*/schedstat's run time summed over its threads, else /proc/<pid>/stat's
    /// utime + stime (USER_HZ ticks). For a benchmark's runner subprocess.
    case process(pid: Int32)
    /// Every CPU's busy time: /proc/stat's aggregate "cpu " line (USER_HZ ticks; everything but idle and iowait).
    case system

    /// Names the counter and where it is read, for the estimate's label.
    public var description: String {
        switch self {
        case .thisProcess: "CPU time of this process, clock_gettime(CLOCK_PROCESS_CPUTIME_ID)"
        case .process(let pid): "CPU time of process \(pid), /proc/\(pid)/task/*/schedstat"
        case .system: "busy time of every CPU, /proc/stat"
        }
    }

    /// The counter now. /proc paths are read under `files.root` (a fixture tree in tests); `thisProcess` reads a clock.
    public func nanoseconds(files: SysfsFiles) throws(CPUTimeError) -> Int64 {
        switch self {
        case .thisProcess: try ThisProcessCPUTime.nanoseconds()
        case .process(let pid): try PidCPUTime.nanoseconds(pid: pid, files: files)
        case .system: try SystemCPUTime.nanoseconds(files: files)
        }
    }
}

/// A CPU-time counter that cannot be read, naming the file (or call) and what was wrong with it.
public struct CPUTimeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
