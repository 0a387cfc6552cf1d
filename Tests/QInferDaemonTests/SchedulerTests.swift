import Foundation
import QInferDaemon
import QInferRandom
import Synchronization
import Testing

/// The scheduler's contract under spin-then-park: every accepted job runs exactly once whether a worker is polling,
/// asleep or busy when it arrives; capacity, `load` and `drain` mean what they meant with a plain semaphore.
@Suite struct SchedulerTests {
    /// Waits (bounded) until `condition` holds; false on timeout.
    private static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > end { return false }
            usleep(200)
        }
        return true
    }

    @Test("every accepted job runs exactly once, submitted while workers poll, sleep or work", arguments: [0, 50, 200, 5000])
    func everyJobRunsOnce(spinMicros: Int) {
        let scheduler = Scheduler(workers: 2, capacity: 64, spinWindow: .microseconds(spinMicros))
        let runs = Mutex([Int](repeating: 0, count: 600))
        let accepted = Atomic<Int>(0)
        // Three submitters, gaps drawn around the spin window: some land while a worker polls, some after it slept.
        DispatchQueue.concurrentPerform(iterations: 3) { submitter in
            var rng = SplitMix64(seed: UInt64(submitter + 1) * 0x9E37_79B9)
            for i in stride(from: submitter, to: 600, by: 3) {
                usleep(UInt32(rng.below(3) == 0 ? rng.below(400) : rng.below(20)))
                if scheduler.submit({ _ in runs.withLock { $0[i] += 1 } }) {
                    accepted.add(1, ordering: .relaxed)
                } else {
                    runs.withLock { $0[i] += 1 } // refused for capacity: settled without running
                }
            }
        }
        #expect(Self.eventually { scheduler.load == 0 })
        scheduler.drain()
        #expect(runs.withLock { $0.allSatisfy { $0 == 1 } })
        #expect(accepted.load(ordering: .relaxed) > 0)
    }

    @Test("a job submitted long after the last one finished still wakes a sleeping worker")
    func wakesAfterTheSpinWindow() {
        let scheduler = Scheduler(workers: 1, capacity: 4, spinWindow: .microseconds(100))
        for _ in 0..<5 {
            let done = Atomic<Bool>(false)
            #expect(scheduler.submit { _ in done.store(true, ordering: .releasing) })
            #expect(Self.eventually { done.load(ordering: .acquiring) })
            usleep(2000) // well past the window: the worker is asleep again
        }
        scheduler.drain()
    }

    @Test("capacity counts queued jobs; load counts queued and running; drain waits for both and then refuses")
    func capacityLoadAndDrain() {
        let scheduler = Scheduler(workers: 1, capacity: 3)
        let gate = DispatchSemaphore(value: 0)
        let started = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        #expect(scheduler.submit { _ in
            started.store(true, ordering: .releasing)
            gate.wait()
            finished.add(1, ordering: .relaxed)
        })
        #expect(Self.eventually { started.load(ordering: .acquiring) })
        for _ in 0..<3 { #expect(scheduler.submit { _ in finished.add(1, ordering: .relaxed) }) }
        #expect(!scheduler.submit { _ in }, "the queue holds 3")
        #expect(scheduler.load == 4)
        let drained = Atomic<Bool>(false)
        Thread.detachNewThread {
            scheduler.drain()
            drained.store(true, ordering: .releasing)
        }
        usleep(20_000)
        let drainedEarly = drained.load(ordering: .acquiring)
        #expect(!drainedEarly, "drain returned with jobs left")
        gate.signal()
        #expect(Self.eventually { drained.load(ordering: .acquiring) })
        #expect(finished.load(ordering: .relaxed) == 4)
        #expect(scheduler.load == 0)
        #expect(!scheduler.submit { _ in }, "a drained scheduler refuses work")
    }

    @Test("a job an idle worker is about to take does not fill the queue, however late that worker wakes")
    func idleWorkersDoNotFillTheQueue() {
        for _ in 0..<50 {
            let scheduler = Scheduler(workers: 1, capacity: 1)
            let gate = DispatchSemaphore(value: 0)
            // Back to back: the second arrives before or after the worker took the first; either way one runs, one waits.
            #expect(scheduler.submit { _ in gate.wait() })
            #expect(scheduler.submit { _ in })
            #expect(!scheduler.submit { _ in }, "one running and one queued fill a capacity of 1")
            gate.signal()
            scheduler.drain()
        }
    }

    @Test("a result is handed over after its worker counts as free: the receiver can fill the queue again at once")
    func deliveryAfterTheWorkerIsFree() {
        for _ in 0..<50 {
            let scheduler = Scheduler(workers: 1, capacity: 1)
            let refilled = Mutex<[Bool]?>(nil)
            let gate = DispatchSemaphore(value: 0)
            let submitted = scheduler.submit({ _ in 42 }, then: { answer in
                // Like a client that sends two requests the moment an answer arrives: one runs, one waits, the third
                // is refused. Were the finished job still counted, the second would be refused too.
                let accepted = [scheduler.submit { _ in gate.wait() }, scheduler.submit { _ in }, scheduler.submit { _ in }]
                refilled.withLock { $0 = answer == 42 ? accepted : [] }
            })
            #expect(submitted)
            #expect(Self.eventually { refilled.withLock { $0 } != nil })
            #expect(refilled.withLock { $0 } == [true, true, false])
            gate.signal()
            scheduler.drain()
        }
    }

    @Test("the time a job waited is measured from submit to the worker picking it up")
    func waitedIsMeasured() {
        let scheduler = Scheduler(workers: 1, capacity: 4)
        let gate = DispatchSemaphore(value: 0)
        let waited = Mutex<Duration?>(nil)
        #expect(scheduler.submit { _ in gate.wait() })
        #expect(scheduler.submit { w in waited.withLock { $0 = w } })
        usleep(30_000)
        gate.signal()
        #expect(Self.eventually { waited.withLock { $0 } != nil })
        #expect(waited.withLock { $0! } >= .milliseconds(25))
        scheduler.drain()
    }
}
