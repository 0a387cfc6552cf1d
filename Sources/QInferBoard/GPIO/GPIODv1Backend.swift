#if canImport(CGPIOD)
import CGPIOD
import Glibc
import Synchronization

/// GPIO through libgpiod 1.6, the v1 API Debian bookworm ships (gpiod_chip_open_lookup, gpiod_line_request_*).
///
/// Each request opens its own chip handle: v1 line objects belong to their chip object and libgpiod is not
/// thread-safe, so one handle per request (used under that request's lock) keeps requests independent, and
/// releasing one closes exactly its handle. The kernel allows any number of opens of a chip.
public struct GPIODv1Backend: GPIOBackend {
    public init() {}

    public func requestOutput(chip: String, offset: UInt32, consumer: String, initial: Bool) throws(GPIOError)
        -> any GPIOOutputLine
    {
        try GPIODv1Request.make(chip: chip, offset: offset, consumer: consumer, as: "output") { line, name in
            gpiod_line_request_output(line, name, initial ? 1 : 0)
        }
    }

    public func requestRisingEdges(chip: String, offset: UInt32, consumer: String) throws(GPIOError)
        -> any GPIOEdgeLine
    {
        try GPIODv1Request.make(chip: chip, offset: offset, consumer: consumer, as: "rising-edge input") { line, name in
            gpiod_line_request_rising_edge_events(line, name)
        }
    }
}

/// One requested line and the chip handle it came from; nil once released.
final class GPIODv1Request: GPIOOutputLine, GPIOEdgeLine {
    let address: GPIOLineAddress
    private let handle: Mutex<Handle?>

    /// Unchecked: the pointers are only handed to libgpiod while holding `handle`'s lock.
    private struct Handle: @unchecked Sendable {
        let chip: OpaquePointer
        let line: OpaquePointer
    }

    private init(address: GPIOLineAddress, chip: OpaquePointer, line: OpaquePointer) {
        self.address = address
        handle = Mutex(Handle(chip: chip, line: line))
    }

    deinit { release() }

    /// Opens the chip, finds the line and requests it with `request` (0 or -1 with errno, as libgpiod does).
    static func make(chip name: String, offset: UInt32, consumer: String, as role: String,
                     request: (OpaquePointer, UnsafePointer<CChar>) -> Int32) throws(GPIOError) -> GPIODv1Request {
        let address = GPIOLineAddress(chip: name, offset: offset)
        // libgpiod reads "" as chip number 0; a configured empty name is a mistake, not gpiochip0.
        guard !name.isEmpty else {
            throw GPIOError(.chipUnavailable, chip: name, message: "empty GPIO chip name (give a gpiochip name, path, label or number)")
        }
        // errno is read right after each call: anything in between (even a free) could change it.
        let (opened, openErrno) = name.withCString { path in
            let chip = gpiod_chip_open_lookup(path)
            return (chip, Glibc.errno)
        }
        guard let chip = opened else { throw GPIOError.chipUnavailable(name, errno: openErrno) }

        guard let line = gpiod_chip_get_line(chip, offset) else {
            let code = Glibc.errno
            let count = Int(gpiod_chip_num_lines(chip))
            gpiod_chip_close(chip)
            if code == EINVAL, Int(offset) >= count { throw GPIOError.noSuchLine(address, lineCount: count) }
            throw GPIOError.failed(address, "cannot get the line", errno: code)
        }
        // Read before requesting: gpiod_chip_get_line fetched the line's info, including who holds it.
        let holder = gpiod_line_consumer(line).map { String(cString: $0) }
        let (result, code) = consumer.withCString { name in
            let result = request(line, name)
            return (result, Glibc.errno)
        }
        guard result == 0 else {
            gpiod_chip_close(chip)
            if code == EBUSY { throw GPIOError.busy(address, holder: holder) }
            throw GPIOError.failed(address, "cannot request as \(role)", errno: code)
        }
        return GPIODv1Request(address: address, chip: chip, line: line)
    }

    func set(_ high: Bool) throws(GPIOError) {
        let address = address
        try handle.withLock { (handle: inout Handle?) throws(GPIOError) in
            guard let handle else { throw GPIOError.released(address) }
            if gpiod_line_set_value(handle.line, high ? 1 : 0) != 0 {
                throw GPIOError.failed(address, "cannot set \(high ? "high" : "low")", errno: Glibc.errno)
            }
        }
    }

    /// Holds the request's lock for up to `timeout`: keep it short where another thread may release.
    func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent? {
        let address = address
        return try handle.withLock { (handle: inout Handle?) throws(GPIOError) -> GPIOEdgeEvent? in
            guard let handle else { throw GPIOError.released(address) }
            let (seconds, nanoseconds) = timeout.gpioSecondsAndNanoseconds
            var limit = timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
            switch gpiod_line_event_wait(handle.line, &limit) {
            case 0: return nil
            case 1: break
            default:
                let code = Glibc.errno
                if code == EINTR { return nil }
                throw GPIOError.failed(address, "waiting for an edge failed", errno: code)
            }
            var event = gpiod_line_event()
            guard gpiod_line_event_read(handle.line, &event) == 0 else {
                throw GPIOError.failed(address, "cannot read the edge event", errno: Glibc.errno)
            }
            // Only rising edges were requested; anything else is not a trigger.
            guard Int(event.event_type) == Int(GPIOD_LINE_EVENT_RISING_EDGE) else { return nil }
            return GPIOEdgeEvent(timestamp: .seconds(event.ts.tv_sec) + .nanoseconds(event.ts.tv_nsec))
        }
    }

    func release() {
        handle.withLock { handle in
            guard let current = handle else { return }
            gpiod_line_release(current.line)
            gpiod_chip_close(current.chip)
            handle = nil
        }
    }
}
#endif
