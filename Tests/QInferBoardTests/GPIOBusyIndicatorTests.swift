import Dispatch
import Foundation
import QInferBoard
import QInferTestSupport
import Synchronization
import Testing

/// The busy line around inferences, read back from the in-memory backend's recorded writes.
@Suite struct GPIOBusyIndicatorTests {
    func make() throws -> (InMemoryGPIO, BusyIndicator) {
        let gpio = InMemoryGPIO(lineCount: 32)
        let line = try gpio.requestOutput(chip: "gpiochip0", offset: 17, consumer: "busy", initial: false)
        return (gpio, BusyIndicator(line: line))
    }

    func busyWrites(_ gpio: InMemoryGPIO) -> [Bool] { gpio.writes(chip: "gpiochip0", offset: 17).map(\.high) }

    @Test("high once before and low once after each inference, in order, and high while the body runs")
    func sequential() throws {
        let (gpio, busy) = try make()
        for round in 1...3 {
            let result = busy.around { () -> Int in
                #expect(gpio.value(chip: "gpiochip0", offset: 17) == true)
                #expect(busy.running == 1)
                return round * 10
            }
            #expect(result == round * 10)
            #expect(gpio.value(chip: "gpiochip0", offset: 17) == false)
        }
        // The request's initial low, then one high/low pair per inference.
        #expect(busyWrites(gpio) == [false, true, false, true, false, true, false])
        let sequences = gpio.writes.map(\.sequence)
        #expect(sequences == Array(1...7))
        #expect(busy.running == 0)
    }

    @Test("goes low when the body throws, and the error reaches the caller")
    func bodyThrows() throws {
        let (gpio, busy) = try make()
        let error = #expect(throws: TestFailure.self) {
            try busy.around { () throws -> Void in
                #expect(gpio.value(chip: "gpiochip0", offset: 17) == true)
                throw TestFailure("inference failed")
            }
        }
        #expect(error?.description == "inference failed")
        #expect(busyWrites(gpio) == [false, true, false])
        #expect(busy.running == 0)
    }

    @Test("overlapping inferences on two threads: one high period, low only after the last ends")
    func overlapping() throws {
        let (gpio, busy) = try make()
        let firstInside = DispatchSemaphore(value: 0)
        let secondInside = DispatchSemaphore(value: 0)
        let firstMayEnd = DispatchSemaphore(value: 0)
        let secondMayEnd = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let spawn = { (inside: DispatchSemaphore, mayEnd: DispatchSemaphore) in
            Thread {
                busy.around {
                    inside.signal()
                    mayEnd.wait()
                }
                done.signal()
            }.start()
        }
        spawn(firstInside, firstMayEnd)
        #expect(firstInside.wait(timeout: .now() + 5) == .success)
        spawn(secondInside, secondMayEnd)
        #expect(secondInside.wait(timeout: .now() + 5) == .success)
        #expect(busy.running == 2)

        firstMayEnd.signal()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(busy.running == 1)
        #expect(gpio.value(chip: "gpiochip0", offset: 17) == true, "the second inference still runs")

        secondMayEnd.signal()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(gpio.value(chip: "gpiochip0", offset: 17) == false)
        #expect(busyWrites(gpio) == [false, true, false])
    }

    @Test("four threads hammering: the line is high inside every body, writes alternate, it ends low")
    func stress() throws {
        let (gpio, busy) = try make()
        let lowInside = Atomic(0)
        let bodies = Atomic(0)
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                for _ in 0..<300 {
                    busy.around {
                        if gpio.value(chip: "gpiochip0", offset: 17) != true { lowInside.add(1, ordering: .relaxed) }
                        bodies.add(1, ordering: .relaxed)
                    }
                }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(bodies.load(ordering: .relaxed) == 1200)
        #expect(lowInside.load(ordering: .relaxed) == 0)
        let writes = busyWrites(gpio)
        #expect(writes.last == false && busy.running == 0)
        // Strictly alternating: no redundant high while already high, no low while another inference runs.
        #expect(zip(writes, writes.dropFirst()).allSatisfy { $0 != $1 }, "\(writes.count) writes")
        #expect(writes.count >= 3 && writes.count <= 2 * 1200 + 1)
    }

    @Test("without a line it only counts; release lowers and frees the line")
    func noLineAndRelease() throws {
        let idle = BusyIndicator(line: nil)
        #expect(idle.around { idle.running } == 1)
        idle.release()

        let (gpio, busy) = try make()
        busy.release()
        #expect(gpio.consumer(chip: "gpiochip0", offset: 17) == nil)
        // A released line makes writes fail; the inference still runs and its result comes back.
        #expect(busy.around { 42 } == 42)
        #expect(busy.running == 0)
    }
}
