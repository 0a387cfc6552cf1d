// Every CPU's busy time from /proc/stat's aggregate "cpu " line, its first: user + nice + system + irq + softirq +
// steal, in USER_HZ ticks. Machine-wide and 10 ms coarse; kept for boards where only the whole machine's load matters.

enum SystemCPUTime {
    static func nanoseconds(files: SysfsFiles) throws(CPUTimeError) -> Int64 {
        guard let ticks = busyTicks(files), let ns = ClockTicks.nanoseconds(ticks) else {
            throw CPUTimeError("\(files.path("/proc/stat")): unreadable, or its first line is not the aggregate 'cpu ' line of counters")
        }
        return ns
    }

    /// Read from the file's first bytes and parsed as bytes: this runs at the sampler's rate, and reading the whole
    /// file (a line per CPU, interrupt counts) into a String to split it made the sampler the busiest thread of an
    /// idle qinferd.
    static func busyTicks(_ files: SysfsFiles) -> Int64? {
        guard let head = files.bytes("/proc/stat", limit: 512), head.starts(with: "cpu ".utf8) else { return nil }
        var v: [Int64] = []
        var value: Int64 = 0
        var digits = 0
        for byte in head.dropFirst(4) {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 18 {
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if digits > 0 { v.append(value) }
                value = 0
                digits = 0
                if byte == UInt8(ascii: "\n") { break }
            } else {
                return nil // not a counter line
            }
        }
        if digits > 0 { v.append(value) }
        guard v.count >= 4 else { return nil }
        let field = { (i: Int) in i < v.count ? v[i] : 0 }
        return field(0) + field(1) + field(2) + field(5) + field(6) + field(7)
    }
}
