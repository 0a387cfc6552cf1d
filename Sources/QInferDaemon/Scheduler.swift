import Foundation
import Synchronization

/// A fixed pool of worker threads behind a bounded queue. `submit` refuses work when the queue is full (the
/// caller answers 503 with Retry-After) instead of letting latency grow without bound on a small board.
public final class Scheduler: Sendable {
    public struct Job: Sendable {
        let enqueued: ContinuousClock.Instant
        let run: @Sendable (_ waited: Duration) -> Void
    }

    public let workers: Int
    public let capacity: Int
    private let queue = Mutex<[Job]>([])
    private let available = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)

    /// - Parameter cores: CPUs to pin the workers to, round-robin (the board config's cores); empty = unpinned.
    ///   A pin the kernel refuses (a CPU offline, outside the cgroup's cpuset) leaves that worker unpinned.
    public init(workers: Int, capacity: Int, cores: [Int] = []) {
        self.workers = max(1, workers)
        self.capacity = max(1, capacity)
        for i in 0..<self.workers {
            let core = cores.isEmpty ? nil : cores[i % cores.count]
            let name = "qinferd-work-\(i)" // the kernel keeps 15 bytes of a thread's name
            let t = Thread { [self] in
                Self.nameCurrentThread(name)
                if let core { _ = Self.pinCurrentThread(to: core) }
                self.loop()
            }
            t.name = name
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// The name ps, top -H and /proc/<pid>/task/*/comm show (Foundation's Thread.name does not reach the kernel on
    /// Linux). pthread_setname_np is another _GNU_SOURCE function, looked up at run time like sched_setaffinity.
    static func nameCurrentThread(_ name: String) {
        typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return }
        _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), String(name.utf8.prefix(15))!)
    }

    /// sched_setaffinity for the calling thread (pid 0 = this thread on Linux). glibc declares it only under
    /// _GNU_SOURCE, which Swift's Glibc module does not set, so it is looked up at run time; the mask (glibc's
    /// 1024-bit cpu_set_t) is built byte by byte because the CPU_SET macro is not visible either.
    static func pinCurrentThread(to core: Int) -> Bool {
        typealias SetAffinity = @convention(c) (Int32, Int, UnsafeRawPointer) -> Int32
        guard core >= 0, core < 1024, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity") else { return false }
        var mask = [UInt8](repeating: 0, count: 128)
        mask[core / 8] |= UInt8(1 << (core % 8))
        return mask.withUnsafeBytes { unsafeBitCast(symbol, to: SetAffinity.self)(0, 128, $0.baseAddress!) } == 0
    }

    /// Queued plus running jobs.
    public var load: Int { queue.withLock { $0.count } + running.load(ordering: .relaxed) }

    /// Enqueues `run`; false when the queue is full or the scheduler is stopping.
    public func submit(_ run: @escaping @Sendable (_ waited: Duration) -> Void) -> Bool {
        guard !stopping.load(ordering: .acquiring) else { return false }
        let accepted = queue.withLock { q in
            guard q.count < capacity else { return false }
            q.append(Job(enqueued: .now, run: run))
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    private func loop() {
        while true {
            available.wait()
            // Counted as running before it leaves the queue, so `load` never reads 0 while a job is between the two
            // (drain() would return and the process exit under it).
            guard let job = queue.withLock({ q -> Job? in
                guard !q.isEmpty else { return nil }
                running.add(1, ordering: .relaxed)
                return q.removeFirst()
            }) else {
                if stopping.load(ordering: .acquiring) { return }
                continue
            }
            job.run(.now - job.enqueued)
            running.subtract(1, ordering: .relaxed)
        }
    }

    /// Stops accepting work, lets queued and running jobs finish, and waits for the workers.
    public func drain() {
        stopping.store(true, ordering: .releasing)
        while load > 0 { usleep(1000) }
        for _ in 0..<workers { available.signal() }
    }
}
