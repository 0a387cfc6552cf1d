// This process's CPU time over all its threads, in nanoseconds from the scheduler's accounting (not tick-sampled).
#if canImport(Glibc)
import Glibc
#endif

enum ThisProcessCPUTime {
    static func nanoseconds() throws(CPUTimeError) -> Int64 {
        var now = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) == 0 else {
            throw CPUTimeError("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: errno \(errno)")
        }
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
