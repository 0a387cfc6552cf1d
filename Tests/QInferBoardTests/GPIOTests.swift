import Glibc
import QInferBoard
import Testing

/// The in-memory backend's own rules: lookup, exclusivity, recorded writes, errors like the real backend's.
@Suite struct GPIOTests {
    @Test("an output request writes its initial value; every set is recorded in order with growing sequence numbers")
    func recordedWrites() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let line = try gpio.requestOutput(chip: "gpiochip0", offset: 17, consumer: "test", initial: true)
        try line.set(false)
        try line.set(false)
        try line.set(true)
        let writes = gpio.writes(chip: "gpiochip0", offset: 17)
        #expect(writes.map(\.high) == [true, false, false, true])
        #expect(writes.map(\.sequence) == [1, 2, 3, 4])
        #expect(writes.allSatisfy { $0.line == GPIOLineAddress(chip: "gpiochip0", offset: 17) })
        #expect(gpio.value(chip: "gpiochip0", offset: 17) == true)
        #expect(gpio.value(chip: "gpiochip0", offset: 16) == false)
        #expect(gpio.value(chip: "gpiochip0", offset: 32) == nil)
        #expect(gpio.consumer(chip: "gpiochip0", offset: 17) == "test")
        #expect(gpio.consumer(chip: "gpiochip0", offset: 16) == nil)
    }

    @Test("chips are found by name, /dev path, number and label, as gpiod_chip_open_lookup does")
    func lookup() throws {
        let gpio = InMemoryGPIO(chips: [.init(name: "gpiochip0", label: "pinctrl-bcm2711", lineCount: 58),
                                        .init(name: "gpiochip1", label: "raspberrypi-exp-gpio", lineCount: 8)])
        let line = try gpio.requestOutput(chip: "pinctrl-bcm2711", offset: 4, consumer: "test", initial: false)
        try line.set(true)
        for name in ["gpiochip0", "/dev/gpiochip0", "0", "pinctrl-bcm2711"] {
            #expect(gpio.value(chip: name, offset: 4) == true, "\(name)")
            #expect(gpio.consumer(chip: name, offset: 4) == "test", "\(name)")
        }
        #expect(gpio.value(chip: "gpiochip1", offset: 4) == false)
        #expect(gpio.writes(chip: "/dev/gpiochip0", offset: 4).map(\.high) == [false, true])
        #expect(gpio.writes(chip: "gpiochip1", offset: 4).isEmpty)
    }

    @Test("requesting a requested line is a busy error naming chip, offset and holder; output or edge alike")
    func busy() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let held = try gpio.requestOutput(chip: "gpiochip0", offset: 17, consumer: "qinferd-busy", initial: false)
        let error = #expect(throws: GPIOError.self) {
            try gpio.requestOutput(chip: "gpiochip0", offset: 17, consumer: "other", initial: true)
        }
        #expect(error?.kind == .busy)
        #expect(error?.chip == "gpiochip0" && error?.offset == 17 && error?.errno == EBUSY)
        #expect(error?.description == "gpiochip0 line 17: busy (requested by another consumer: \"qinferd-busy\")")
        // Under another spelling of the same chip it is the same line.
        let viaPath = #expect(throws: GPIOError.self) {
            try gpio.requestRisingEdges(chip: "/dev/gpiochip0", offset: 17, consumer: "other")
        }
        #expect(viaPath?.description == "/dev/gpiochip0 line 17: busy (requested by another consumer: \"qinferd-busy\")")
        // The refused request wrote nothing.
        #expect(gpio.writes.map(\.high) == [false])

        held.release()
        held.release()  // idempotent
        #expect(gpio.consumer(chip: "gpiochip0", offset: 17) == nil)
        let again = try gpio.requestOutput(chip: "gpiochip0", offset: 17, consumer: "other", initial: true)
        // The old handle is dead and cannot touch the new request.
        let released = #expect(throws: GPIOError.self) { try held.set(false) }
        #expect(released?.kind == .released)
        #expect(released?.description == "gpiochip0 line 17: the request was already released")
        held.release()
        #expect(gpio.consumer(chip: "gpiochip0", offset: 17) == "other")
        try again.set(false)
        #expect(gpio.value(chip: "gpiochip0", offset: 17) == false)
    }

    @Test("an unknown chip fails like the real backend: path and ENOENT text")
    func unknownChip() {
        let gpio = InMemoryGPIO(lineCount: 8)
        let error = #expect(throws: GPIOError.self) {
            try gpio.requestOutput(chip: "gpiochip9", offset: 0, consumer: "test", initial: false)
        }
        #expect(error?.kind == .chipUnavailable && error?.errno == ENOENT && error?.chip == "gpiochip9")
        #expect(error?.description == "gpiochip9: cannot open /dev/gpiochip9: No such file or directory")
        let number = #expect(throws: GPIOError.self) { try gpio.requestRisingEdges(chip: "3", offset: 0, consumer: "t") }
        #expect(number?.description == "3: cannot open /dev/gpiochip3: No such file or directory")
    }

    @Test("an offset past the chip's lines is an error naming the line count")
    func noSuchLine() {
        let gpio = InMemoryGPIO(lineCount: 8)
        let error = #expect(throws: GPIOError.self) {
            try gpio.requestOutput(chip: "gpiochip0", offset: 8, consumer: "test", initial: false)
        }
        #expect(error?.kind == .noSuchLine && error?.offset == 8)
        #expect(error?.description == "gpiochip0 line 8: no such line (the chip has 8 lines, offsets 0…7)")
    }

    @Test("injected edges reach only a rising-edge request, in order, and are queued until waited for")
    func edges() throws {
        let gpio = InMemoryGPIO(lineCount: 8)
        #expect(!gpio.injectRisingEdge(chip: "gpiochip0", offset: 3), "no request: the edge is lost")
        let output = try gpio.requestOutput(chip: "gpiochip0", offset: 2, consumer: "out", initial: false)
        #expect(!gpio.injectRisingEdge(chip: "gpiochip0", offset: 2), "an output line has no edge events")
        let line = try gpio.requestRisingEdges(chip: "gpiochip0", offset: 3, consumer: "trigger")
        #expect(try line.waitForEdge(timeout: .milliseconds(20)) == nil)
        #expect(gpio.injectRisingEdge(chip: "gpiochip0", offset: 3))
        #expect(gpio.injectRisingEdge(chip: "0", offset: 3))
        let first = try #require(try line.waitForEdge(timeout: .seconds(1)))
        let second = try #require(try line.waitForEdge(timeout: .seconds(1)))
        #expect(first.timestamp <= second.timestamp && first.timestamp > .zero)
        #expect(try line.waitForEdge(timeout: .milliseconds(20)) == nil)
        line.release()
        let error = #expect(throws: GPIOError.self) { try line.waitForEdge(timeout: .milliseconds(20)) }
        #expect(error?.kind == .released)
        #expect(!gpio.injectRisingEdge(chip: "gpiochip0", offset: 3))
        output.release()
    }

    @Test("libgpiod's chip description rules")
    func chipPaths() {
        #expect(GPIOChipPath.devicePath(for: "gpiochip2") == "/dev/gpiochip2")
        #expect(GPIOChipPath.devicePath(for: "/dev/gpiochip7") == "/dev/gpiochip7")
        #expect(GPIOChipPath.devicePath(for: "4") == "/dev/gpiochip4")
        #expect(GPIOChipPath.devicePath(for: "007") == "/dev/gpiochip7")
        #expect(GPIOChipPath.devicePath(for: "pinctrl-rp1") == "/dev/pinctrl-rp1")
        #expect(GPIOChipPath.form(of: "pinctrl-rp1") == .labelOrName)
        #expect(GPIOChipPath.form(of: "gpiochip0") == .name)
    }
}

/// Result lines: the predicted class's line high, the others low.
@Suite struct GPIOResultLinesTests {
    func make(_ gpio: InMemoryGPIO, offsets: [UInt32]) throws -> ResultLines {
        ResultLines(lines: try offsets.map {
            try gpio.requestOutput(chip: "gpiochip0", offset: $0, consumer: "result", initial: false)
        })
    }

    func values(_ gpio: InMemoryGPIO, _ offsets: [UInt32]) -> [Bool?] {
        offsets.map { gpio.value(chip: "gpiochip0", offset: $0) }
    }

    @Test("show(classIndex:) sets that line high and the others low, writing lows first and only changes")
    func show() throws {
        let gpio = InMemoryGPIO(lineCount: 16)
        let offsets: [UInt32] = [5, 6, 12, 13]
        let results = try make(gpio, offsets: offsets)
        try results.show(classIndex: 2)
        #expect(values(gpio, offsets) == [false, false, true, false])
        let before = gpio.writes.count
        try results.show(classIndex: 0)
        #expect(values(gpio, offsets) == [true, false, false, false])
        // Only the two lines that change are written, the old high first: never two lines high at once.
        #expect(gpio.writes.dropFirst(before).map { "\($0.line.offset)=\($0.high)" } == ["12=false", "5=true"])
        try results.show(classIndex: 0)
        #expect(gpio.writes.count == before + 2, "nothing changes, nothing is written")
    }

    @Test("an index without a line sets all low")
    func outOfRange() throws {
        let gpio = InMemoryGPIO(lineCount: 16)
        let offsets: [UInt32] = [1, 2, 3]
        let results = try make(gpio, offsets: offsets)
        for index in [3, -1, 99, nil] as [Int?] {
            try results.show(classIndex: 1)
            #expect(values(gpio, offsets) == [false, true, false])
            try results.show(classIndex: index)
            #expect(values(gpio, offsets) == [false, false, false], "index \(String(describing: index))")
        }
        try ResultLines(lines: []).show(classIndex: 0)  // no lines configured: nothing to do
    }

    @Test("a failing line is reported after the others were set, and written again next time")
    func failure() throws {
        let gpio = InMemoryGPIO(lineCount: 16)
        let lines = try [7, 8, 9].map { try gpio.requestOutput(chip: "gpiochip0", offset: $0, consumer: "r", initial: false) }
        let results = ResultLines(lines: lines)
        lines[0].release()
        let error = #expect(throws: GPIOError.self) { try results.show(classIndex: 2) }
        #expect(error?.kind == .released && error?.offset == 7)
        #expect(gpio.value(chip: "gpiochip0", offset: 9) == true)
        let again = #expect(throws: GPIOError.self) { try results.show(classIndex: 2) }
        #expect(again?.offset == 7, "the line in an unknown state is tried again")
    }

    @Test("release lowers every line and frees it")
    func release() throws {
        let gpio = InMemoryGPIO(lineCount: 16)
        let results = try make(gpio, offsets: [1, 2])
        try results.show(classIndex: 1)
        results.release()
        #expect(gpio.value(chip: "gpiochip0", offset: 2) == false)
        #expect(gpio.consumer(chip: "gpiochip0", offset: 1) == nil && gpio.consumer(chip: "gpiochip0", offset: 2) == nil)
    }
}

/// Requesting the daemon's set of lines together.
@Suite struct GPIOBoardTests {
    @Test("busy, result and trigger lines are requested low with their consumer names")
    func requestAll() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let board = try BoardGPIO.request(backend: gpio, chip: "gpiochip0", busyLine: 17, triggerLine: 27,
                                          resultLines: [5, 6])
        #expect(gpio.consumer(chip: "gpiochip0", offset: 17) == "qinferd-busy")
        #expect(gpio.consumer(chip: "gpiochip0", offset: 5) == "qinferd-result")
        #expect(gpio.consumer(chip: "gpiochip0", offset: 27) == "qinferd-trigger")
        #expect(board.results.lines.map(\.address.offset) == [5, 6])
        #expect(board.busy.line?.address.offset == 17)
        #expect(gpio.writes.map { "\($0.line.offset)=\($0.high)" } == ["17=false", "5=false", "6=false"])
        board.busy.around { #expect(gpio.value(chip: "gpiochip0", offset: 17) == true) }
        board.release()
        for offset: UInt32 in [5, 6, 17, 27] { #expect(gpio.consumer(chip: "gpiochip0", offset: offset) == nil) }
    }

    @Test("a busy line fails the whole request and releases the lines already taken")
    func allOrNothing() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let other = try gpio.requestRisingEdges(chip: "gpiochip0", offset: 6, consumer: "someone-else")
        let error = #expect(throws: GPIOError.self) {
            try BoardGPIO.request(backend: gpio, chip: "gpiochip0", busyLine: 17, triggerLine: 27, resultLines: [5, 6])
        }
        #expect(error?.description == "gpiochip0 line 6: busy (requested by another consumer: \"someone-else\")")
        for offset: UInt32 in [5, 17, 27] { #expect(gpio.consumer(chip: "gpiochip0", offset: offset) == nil) }
        #expect(gpio.consumer(chip: "gpiochip0", offset: 6) == "someone-else")
        other.release()
        let none = try BoardGPIO.request(backend: gpio, chip: "gpiochip0", busyLine: nil, triggerLine: nil, resultLines: [])
        #expect(none.busy.line == nil && none.trigger == nil && none.results.lines.isEmpty)
    }
}
