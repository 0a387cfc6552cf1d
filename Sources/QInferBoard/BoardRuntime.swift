// Everything qinferd does with the board during a run, built from its board config: the power sampler, the thermal
// and clock monitor, the busy and result GPIO lines. qinferd hands it to the daemon as its BoardHooks.
import Logging
import QInferProtocol
import QInferSensors

public final class BoardRuntime: Sendable {
    public let config: BoardConfig
    public let sampler: EnergySampler?
    public let thermal: ThermalMonitor
    public let gpio: BoardGPIO
    private let logger: Logger

    /// Picks the power source (the first configured one that reads), requests the GPIO lines, starts sampling power
    /// and the thermal state.
    /// - Parameter estimateCounter: whose CPU time the "estimate" source counts: qinferd's own by default, because the
    ///   inferences are its work and its process clock sees a sub-millisecond one (the machine's /proc/stat ticks do not).
    /// - Throws: a GPIO error (missing chip, busy line): a board whose lines cannot be had is not started half-way.
    public init(config: BoardConfig, files: SysfsFiles, gpioBackend: any GPIOBackend, logger: Logger,
                estimateCounter: CPUTimeCounter = .thisProcess) throws(GPIOError) {
        self.config = config
        self.logger = logger
        let (source, skipped) = PowerSourceFactory.make(config, files: files, estimateCounter: estimateCounter)
        for reason in skipped { logger.notice("power source skipped: \(reason)") }
        if let source {
            sampler = EnergySampler(source: source, hz: config.power.sample_hz, idleHz: config.power.idle_sample_hz,
                                    idleWatts: config.power.idle_w)
            logger.info("power: \(source.label)\(source.isEstimate ? " (estimated)" : ""), \(config.power.sample_hz) Hz while inferring, \(config.power.idle_sample_hz) Hz idle")
        } else {
            sampler = nil
            logger.warning("no power source could be read; inferences carry no energy")
        }
        thermal = ThermalMonitor(reader: ThermalReader(files: files, cpu: config.cpu))
        if let g = config.gpio {
            gpio = try BoardGPIO.request(backend: gpioBackend, chip: g.chip, busyLine: g.busy_line, triggerLine: g.trigger_line,
                                         resultLines: g.result_lines ?? [], logger: logger)
        } else {
            gpio = .none
        }
        // Threads start after the GPIO request: a board that cannot start leaves none behind.
        sampler?.start()
        thermal.start()
    }

    public func aroundCompute<T>(_ body: () throws -> T) rethrows -> T {
        sampler?.beginActive()
        defer { sampler?.endActive() }
        return try gpio.busy.around(body)
    }

    public func telemetry(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> (EnergyTelemetry?, BoardState?) {
        let energy = sampler.flatMap { s in
            s.energy(from: start, to: end).map {
                EnergyTelemetry(joules: $0.joules, joulesAboveIdle: $0.joulesAboveIdle, averageWatts: $0.averageWatts,
                                source: s.source.label, estimated: s.source.isEstimate)
            }
        }
        return (energy, Self.wire(thermal.latest))
    }

    public func completed(_ response: InferResponse) {
        guard !gpio.results.lines.isEmpty else { return }
        do { try gpio.results.show(classIndex: response.top.first?.index) } catch {
            logger.error("cannot set the result lines: \(error)")
        }
    }

    public func status() -> BoardStatus {
        BoardStatus(board: config.name, powerSource: sampler?.source.label, estimated: sampler?.source.isEstimate ?? false,
                    powerWatts: sampler?.latestWatts, idleWatts: config.power.idle_w, state: Self.wire(thermal.latest))
    }

    /// Stops sampling and releases the GPIO lines (lowered first).
    public func shutdown() {
        sampler?.stop()
        thermal.stop()
        gpio.release()
    }

    static func wire(_ t: ThermalState) -> BoardState {
        BoardState(temperatureC: t.temperatureC, cpuMHz: t.frequencyMHz, cpuMaxMHz: t.maxFrequencyMHz, throttled: t.throttled,
                   throttleReason: t.reason)
    }
}
