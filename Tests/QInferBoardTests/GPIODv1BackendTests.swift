#if os(Linux)
import Glibc
import QInferBoard
import Testing

/// The libgpiod 1.6 backend, linked and called for real. This machine has no /dev/gpiochip*, so these are the error
/// paths a board with a wrong chip name or a missing device meets at start: a GPIOError naming the chip and the
/// errno reason, never a crash.
@Suite struct GPIODv1BackendTests {
    let backend = GPIODv1Backend()

    func outputError(_ chip: String, offset: UInt32 = 17) -> GPIOError? {
        #expect(throws: GPIOError.self) {
            try backend.requestOutput(chip: chip, offset: offset, consumer: "qinferd-test", initial: false)
        }
    }

    func edgeError(_ chip: String, offset: UInt32 = 27) -> GPIOError? {
        #expect(throws: GPIOError.self) {
            try backend.requestRisingEdges(chip: chip, offset: offset, consumer: "qinferd-test")
        }
    }

    @Test("gpiochip0 without the device: ENOENT, naming /dev/gpiochip0", .enabled(if: access("/dev/gpiochip0", F_OK) != 0))
    func missingGpiochip0() {
        for error in [outputError("gpiochip0"), edgeError("gpiochip0")] {
            #expect(error?.kind == .chipUnavailable)
            #expect(error?.errno == ENOENT)
            #expect(error?.chip == "gpiochip0")
            #expect(error?.description == "gpiochip0: cannot open /dev/gpiochip0: No such file or directory")
        }
    }

    @Test("a missing /dev path and chip number", .enabled(if: access("/dev/gpiochip7", F_OK) != 0))
    func missingPathAndNumber() {
        let path = outputError("/dev/gpiochip7")
        #expect(path?.errno == ENOENT && path?.kind == .chipUnavailable)
        #expect(path?.description == "cannot open /dev/gpiochip7: No such file or directory")
        let number = edgeError("7")
        #expect(number?.errno == ENOENT)
        #expect(number?.description == "7: cannot open /dev/gpiochip7: No such file or directory")
    }

    @Test("a name that is neither a chip label nor a device")
    func unknownName() {
        let error = outputError("qinferd-no-such-chip")
        #expect(error?.kind == .chipUnavailable && error?.errno == ENOENT)
        #expect(error?.description == "qinferd-no-such-chip: no GPIO chip has this label, and cannot open "
                    + "/dev/qinferd-no-such-chip: No such file or directory")
    }

    @Test("a device that is not a GPIO chip (/dev/null): ENOTTY with a hint")
    func notAChip() {
        let error = edgeError("/dev/null")
        #expect(error?.kind == .chipUnavailable && error?.errno == ENOTTY)
        #expect(error?.description == "cannot open /dev/null: Inappropriate ioctl for device (not a GPIO chip character device)")
    }

    @Test("an empty chip name is refused instead of meaning gpiochip0")
    func emptyName() {
        let error = outputError("")
        #expect(error?.kind == .chipUnavailable)
        #expect(error?.description.hasPrefix("empty GPIO chip name") == true)
    }

    @Test("requesting the daemon's lines through libgpiod fails cleanly on the first line")
    func boardRequest() {
        let error = #expect(throws: GPIOError.self) {
            try BoardGPIO.request(backend: backend, chip: "/dev/qinferd-no-such-chip", busyLine: 17, triggerLine: 27,
                                  resultLines: [5])
        }
        #expect(error?.description == "cannot open /dev/qinferd-no-such-chip: No such file or directory")
    }
}
#endif
