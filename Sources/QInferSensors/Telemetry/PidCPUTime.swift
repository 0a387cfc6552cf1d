// Another process's CPU time. The scheduler's per-thread run time (/proc/<pid>/task/<tid>/schedstat, first field,
// nanoseconds) summed over the threads listed now; where no thread's schedstat reads (a kernel without it, or every
// thread gone between listing and reading), /proc/<pid>/stat's utime + stime in USER_HZ ticks.
// A thread that exits takes its run time out of the sum: the counter can step back, and the estimate counts no
// negative interval. A runtime's worker pool lives as long as the process, so this is rare in a benchmark.

enum PidCPUTime {
    static func nanoseconds(pid: Int32, files: SysfsFiles) throws(CPUTimeError) -> Int64 {
        let task = "/proc/\(pid)/task"
        var total: Int64 = 0
        var threads = 0
        for tid in files.list(task) {
            let path = "\(task)/\(tid)/schedstat"
            // Unreadable: the thread ended after the listing. Its time is gone either way.
            guard let bytes = files.bytes(path, limit: 256) else { continue }
            let (sum, overflow) = total.addingReportingOverflow(try schedstatRunTime(bytes, path: files.path(path)))
            guard !overflow else { throw CPUTimeError("\(files.path(path)): run time past 2^63 ns summed over the threads") }
            total = sum
            threads += 1
        }
        if threads > 0 { return total }
        let stat = "/proc/\(pid)/stat"
        guard let bytes = files.bytes(stat, limit: 4096) else {
            throw CPUTimeError("process \(pid): neither \(files.path(task))/*/schedstat nor \(files.path(stat)) can be read (has it exited?)")
        }
        guard let ns = ClockTicks.nanoseconds(try statTicks(bytes, path: files.path(stat))) else {
            throw CPUTimeError("\(files.path(stat)): utime + stime past 2^63 ns")
        }
        return ns
    }

    /// "<ns on CPU> <ns waiting> <timeslices>\n".
    static func schedstatRunTime(_ bytes: [UInt8], path: String) throws(CPUTimeError) -> Int64 {
        let fields = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 3, fields.allSatisfy({ Int64($0) != nil }), let run = Int64(fields[0]), run >= 0 else {
            throw CPUTimeError("\(path): expected '<ns on cpu> <ns waiting> <timeslices>', got '\(shown(bytes))'")
        }
        return run
    }

    /// utime + stime, fields 14 and 15 of "pid (comm) state ppid …". The command name may hold spaces and
    /// parentheses, so fields are counted from the last ')'.
    static func statTicks(_ bytes: [UInt8], path: String) throws(CPUTimeError) -> Int64 {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else {
            throw CPUTimeError("\(path): no '(command)' field in '\(shown(bytes))'")
        }
        // After ')': state is field 3, so utime (14) and stime (15) are the 12th and 13th.
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 13, let utime = Int64(fields[11]), let stime = Int64(fields[12]), utime >= 0, stime >= 0,
              case (let ticks, false) = utime.addingReportingOverflow(stime) else {
            throw CPUTimeError("\(path): expected utime and stime as fields 14 and 15, got '\(shown(bytes))'")
        }
        return ticks
    }

    /// The start of a malformed file, on one line, for an error message.
    private static func shown(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(120), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: "\\n")
    }
}
