// The board's thermal state as last read, refreshed off the inference path. Reading it is a few sysfs files on a Pi,
// but on a Jetson some thermal zones are read through the BPMP firmware and the Pi's get_throttled goes through the
// firmware mailbox: an answer should not wait for either. Temperatures and clocks move over seconds, so a state up
// to one interval old describes an inference as well as a fresh read would.
import Foundation
import QInferModel
import Synchronization

public final class ThermalMonitor: Sendable {
    public let reader: ThermalReader
    public let interval: Duration
    private let state: Mutex<ThermalState>
    private let running = Atomic<Bool>(false)

    /// Reads once now, so the first answer already has a state.
    public init(reader: ThermalReader, interval: Duration = .milliseconds(250)) {
        self.reader = reader
        self.interval = interval
        state = Mutex(reader.read())
    }

    /// The state as of the last refresh.
    public var latest: ThermalState { state.withLock { $0 } }

    /// Reads now (the monitor's thread calls this every interval; tests may too).
    public func refresh() {
        let s = reader.read()
        state.withLock { $0 = s }
    }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) {
                Thread.sleep(forTimeInterval: interval.seconds)
                refresh()
            }
        }
        thread.name = "qinferd-thermal"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// The thread ends after its current sleep.
    public func stop() { running.store(false, ordering: .releasing) }
}
