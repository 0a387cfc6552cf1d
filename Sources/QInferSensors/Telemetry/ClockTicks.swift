// USER_HZ ticks (/proc/stat, /proc/<pid>/stat) as nanoseconds.
#if canImport(Glibc)
import Glibc
#endif

enum ClockTicks {
    /// sysconf(_SC_CLK_TCK): 100 on every Linux ABI in use, asked anyway.
    static let perSecond = Int64(max(sysconf(Int32(_SC_CLK_TCK)), 1))

    /// Whole seconds and the rest apart, so a machine-wide count (cores × uptime × 100) stays in range; nil for a
    /// count no real counter reaches (a corrupt file), never a trap.
    static func nanoseconds(_ ticks: Int64) -> Int64? {
        guard ticks >= 0 else { return nil }
        let (whole, overflow) = (ticks / perSecond).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (sum, over) = whole.addingReportingOverflow(ticks % perSecond * 1_000_000_000 / perSecond)
        return over ? nil : sum
    }
}
