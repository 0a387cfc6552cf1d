import Foundation
import Synchronization

/// A fixed pool of worker threads behind a bounded queue. `submit` refuses work when the queue is full — `capacity`
/// jobs waiting with every worker busy — (the caller answers 503 with Retry-After) instead of letting latency grow
/// without bound on a small board.
///
/// Hand-off is spin-then-park, as XNNPACK's pthreadpool and onnxruntime's thread pool do it: a worker that has just
/// finished a job polls the queue for up to `spinWindow` before it sleeps on the semaphore, and `submit` posts the
/// semaphore only when the queue holds more jobs than there are polling workers to take them. A client that sends
/// its next request as soon as the answer arrives finds a worker still polling, so the hand-off costs an atomic load
/// instead of a futex wake of a sleeping thread (tens of µs on a VM, where the idle vCPU has halted). Workers poll
/// only after work, and only while jobs come within the window of each other: an idle daemon has every worker asleep
/// and spends no CPU, and one served a request every few ms does not poll in vain after each.
public final class Scheduler: Sendable {
    public struct Job: Sendable {
        let enqueued: ContinuousClock.Instant
        /// Does the work and returns what hands its result over, which the worker calls once it counts as free.
        let run: @Sendable (_ waited: Duration) -> @Sendable () -> Void
    }

    /// The queue and the number of workers polling it. `spinning` changes only under the same lock that `submit`
    /// decides under, so "queued jobs ≤ polling workers, else a semaphore post" holds at every submit.
    private struct State {
        var jobs: [Job] = []
        var spinning = 0
    }

    public let workers: Int
    public let capacity: Int
    /// How long a worker polls the queue after a job before sleeping. Bounded so a burst's tail costs at most this much
    /// CPU per worker; long enough to cover a client's turnaround between an answer and its next request.
    public let spinWindow: Duration
    private let state = Mutex(State())
    /// Jobs in the queue, readable without the lock: polling workers read it and take the lock only when it is positive.
    /// It trails the queue by at most the submits between their unlock and their increment (it can dip below zero
    /// when a job is taken first), and never reads positive for a job that is not there.
    private let queued = Atomic<Int>(0)
    private let available = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    /// Jobs a worker has taken and not finished, handing over included: `load` and `drain` count these.
    private let running = Atomic<Int>(0)
    /// Jobs a worker has taken whose work is not done: admission counts these. A job leaves this count before its
    /// result is handed over, so a client that sends two requests the moment an answer arrives finds that worker
    /// free, not still holding a place until its thread is scheduled again after the hand-over.
    private let working = Atomic<Int>(0)
    /// When any worker last finished a job, in ns since `origin`: how close together jobs are coming.
    private let lastFinished = Atomic<Int64>(Int64.min / 2)
    private let origin = ContinuousClock.now
    private var spinWindowNanos: Int64 { Self.nanos(spinWindow) }

    /// - Parameter cores: CPUs to pin the workers to, round-robin (the board config's cores); empty = unpinned.
    ///   A pin the kernel refuses (a CPU offline, outside the cgroup's cpuset) leaves that worker unpinned.
    /// - Parameter spinWindow: how long a worker that finished a job polls for the next one; zero parks at once.
    public init(workers: Int, capacity: Int, cores: [Int] = [], spinWindow: Duration = .microseconds(200)) {
        self.workers = max(1, workers)
        self.capacity = max(1, capacity)
        self.spinWindow = max(spinWindow, .zero)
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
    public var load: Int { state.withLock { $0.jobs.count } + running.load(ordering: .relaxed) }

    /// Enqueues `run`; false when the queue is full or the scheduler is stopping.
    public func submit(_ run: @escaping @Sendable (_ waited: Duration) -> Void) -> Bool {
        submit(run, then: { _ in })
    }

    /// Enqueues `work`, whose result goes to `deliver` on the same worker after the worker counts as free again;
    /// false when the queue is full or the scheduler is stopping.
    public func submit<Result: Sendable>(_ work: @escaping @Sendable (_ waited: Duration) -> Result,
                                         then deliver: @escaping @Sendable (Result) -> Void) -> Bool {
        let run: @Sendable (Duration) -> @Sendable () -> Void = { waited in
            let result = work(waited)
            return { deliver(result) }
        }
        guard !stopping.load(ordering: .acquiring) else { return false }
        let (accepted, wake) = state.withLock { s -> (Bool, Bool) in
            // `capacity` jobs may wait while every worker is busy. Counted as queued + working against workers +
            // capacity, so a job that an idle worker is about to take does not fill the queue: whether that worker
            // has woken yet (a matter of µs) does not decide between accepting and refusing the next request.
            guard s.jobs.count + working.load(ordering: .acquiring) < capacity + workers else { return (false, false) }
            s.jobs.append(Job(enqueued: .now, run: run))
            // A polling worker takes it without a wake; only jobs beyond the pollers need a sleeping worker.
            return (true, s.jobs.count > s.spinning)
        }
        guard accepted else { return false }
        // Counted after the lock is released, so a poller that sees it does not find the lock still held.
        queued.add(1, ordering: .releasing)
        if wake { available.signal() }
        return true
    }

    /// The next job, counted as running before it leaves the queue so `load` never reads 0 while a job is between
    /// the two (drain() would return and the process exit under it). Called with the lock held.
    private func pop(_ s: inout State) -> Job? {
        guard !s.jobs.isEmpty else { return nil }
        running.add(1, ordering: .relaxed)
        working.add(1, ordering: .relaxed)
        queued.subtract(1, ordering: .relaxed)
        return s.jobs.removeFirst()
    }

    /// Polls for a job for `spinWindow`; nil when none came. Yields the CPU on every round, so a polling worker
    /// never delays another thread that shares its CPU (the event loop, or the client on a small board).
    private func spinForJob() -> Job? {
        state.withLock { $0.spinning += 1 }
        let deadline = ContinuousClock.now + spinWindow
        repeat {
            if queued.load(ordering: .acquiring) > 0, let job = state.withLock({ s -> Job? in
                guard let job = pop(&s) else { return nil }
                s.spinning -= 1
                return job
            }) {
                return job
            }
            sched_yield()
        } while ContinuousClock.now < deadline
        // No longer a poller; one last look under the lock, since a submit that counted on this worker posted nothing.
        return state.withLock { s -> Job? in
            s.spinning -= 1
            return pop(&s)
        }
    }

    private func loop() {
        // Poll after a job only while jobs come closer together than the window: a client sending back to back gets
        // the cheap hand-off, while one that sends every few ms (a camera's frame rate) would gain nothing from it
        // and only burn the window on every frame.
        var poll = false
        while true {
            let job: Job
            if poll, spinWindow > .zero, let polled = spinForJob() {
                job = polled
            } else {
                available.wait()
                // A post can find its job already taken by a poller: then this worker just sleeps again.
                guard let posted = state.withLock({ pop(&$0) }) else {
                    if stopping.load(ordering: .acquiring) { return }
                    poll = false
                    continue
                }
                job = posted
                // The gap from the last job's end to this one's submit (not to this wake, which a halted vCPU delays).
                poll = Self.nanos(posted.enqueued - origin) - lastFinished.load(ordering: .relaxed) <= spinWindowNanos
            }
            let deliver = job.run(.now - job.enqueued)
            working.subtract(1, ordering: .releasing)
            deliver()
            running.subtract(1, ordering: .relaxed)
            lastFinished.store(Self.nanos(.now - origin), ordering: .relaxed)
        }
    }

    private static func nanos(_ d: Duration) -> Int64 { d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000 }

    /// Stops accepting work, lets queued and running jobs finish, and waits for the workers.
    public func drain() {
        stopping.store(true, ordering: .releasing)
        while load > 0 { usleep(1000) }
        for _ in 0..<workers { available.signal() }
    }
}
