// Energy per inference for `bench speedup`, from the board's power source: a sensor sampled through the run (idle
// power measured just before each window), or, where the board has none, the CPU-time model of its config applied
// to the runner's own CPU time over its window. Windows are whole runs of back-to-back inferences (≥ 1 s by default),
// because a 0.2 ms inference is shorter than most sensors' update period.
import Foundation
import QInferReport
import QInferSensors

final class EnergyMeter {
    private enum Mode {
        case sensor(EnergySampler)
        case estimate(idleWatts: Double, activeCoreWatts: Double)
    }

    private let mode: Mode
    let label: String
    var isEstimate: Bool { if case .estimate = mode { return true } else { return false } }
    /// How long the board is left idle before a window to measure its idle power (sensors only).
    private let idleSeconds: Double

    /// nil, with why, when the board has no usable power source.
    static func make(config: BoardConfig, idleSeconds: Double) -> (meter: EnergyMeter?, note: String?) {
        // The estimate's counter is irrelevant here: its model is applied to each runner's own CPU time below.
        let (source, skipped) = PowerSourceFactory.make(config, files: SysfsFiles(), estimateCounter: .thisProcess)
        guard let source else {
            return (nil, "energy: no power source of board '\(config.name)' could be read (\(skipped.joined(separator: "; ")))")
        }
        if source.isEstimate {
            let label = "estimate: \(config.power.idle_w) W idle + \(config.power.active_core_w) W per busy core × the runner's CPU time"
            return (EnergyMeter(mode: .estimate(idleWatts: config.power.idle_w, activeCoreWatts: config.power.active_core_w),
                                label: label, idleSeconds: 0), nil)
        }
        let sampler = EnergySampler(source: source, hz: config.power.sample_hz, idleHz: config.power.sample_hz,
                                    idleWatts: config.power.idle_w, history: 120)
        sampler.start()
        return (EnergyMeter(mode: .sensor(sampler), label: source.label, idleSeconds: idleSeconds), nil)
    }

    private init(mode: Mode, label: String, idleSeconds: Double) {
        self.mode = mode
        self.label = label
        self.idleSeconds = idleSeconds
    }

    deinit { if case .sensor(let s) = mode { s.stop() } }

    /// The board's power with nothing of ours running, measured now (a sensor) or from the config (the estimate).
    func idleWatts() -> Double {
        switch mode {
        case .estimate(let idle, _):
            return idle
        case .sensor(let sampler):
            let start = ContinuousClock.now
            Thread.sleep(forTimeInterval: idleSeconds)
            guard let w = sampler.energy(from: start, to: .now), w.seconds > 0 else { return sampler.idleWatts }
            return w.joules / w.seconds
        }
    }

    /// The energy of one runner's timed window, per inference.
    func window(_ r: RunnerResult, idleWatts: Double) -> EnergyStats? {
        guard r.runs > 0 else { return nil }
        let joules: Double, seconds: Double
        switch mode {
        case let .estimate(idle, active):
            seconds = r.wallSeconds
            joules = idle * seconds + active * r.cpuSeconds
        case .sensor(let sampler):
            guard let w = sampler.energy(from: r.windowStart, to: r.windowEnd), w.seconds > 0 else { return nil }
            seconds = w.seconds
            joules = w.joules
        }
        let n = Double(r.runs)
        return EnergyStats(joulesPerInference: joules / n, joulesAboveIdlePerInference: (joules - idleWatts * seconds) / n,
                           averageWatts: joules / max(seconds, 1e-9), idleWatts: idleWatts, windowSeconds: seconds,
                           inferences: r.runs, estimated: isEstimate, source: label)
    }
}
