// Best-of-N timing for kernels that take microseconds to tens of milliseconds per call.
//
// Calls are batched until one repetition is long enough for the clock and the call overhead to vanish, then short
// repetitions run until the time budget is spent. The fastest repetition is the one least disturbed by the rest of
// the machine (interrupts, other tenants of a shared host, frequency changes), which is what a throughput ceiling
// should report; many short repetitions find a quiet moment more often than a few long ones.
import ArgumentParser
import QInferModel

struct Stopwatch {
    let minTime: Double
    let minRepetitions: Int
    /// Repetitions aimed for within minTime; each is calibrated to minTime / this.
    let targetRepetitions: Int

    /// The `--min-time` check of the bench commands: a budget the calibration can work with and a run can wait for.
    static func validate(minTime: Double) throws {
        guard minTime.isFinite, minTime > 0, minTime <= 60 else {
            throw ValidationError("--min-time must be more than 0 and at most 60 seconds, got \(minTime)")
        }
    }

    init(minTime: Double, minRepetitions: Int = 5, targetRepetitions: Int = 20) {
        self.minTime = minTime
        self.minRepetitions = minRepetitions
        self.targetRepetitions = targetRepetitions
    }

    /// Seconds per unit of work. `body(n)` must do n units.
    func bestSecondsPerUnit(_ body: (Int) -> Void) -> Double { secondsPerUnit(body).best }

    /// The fastest repetition's seconds per unit, and the median over repetitions: the best is the ceiling a quiet
    /// machine reaches, the median what a peer timed by its median (onnxruntime's runner) is compared with.
    func secondsPerUnit(_ body: (Int) -> Void) -> (best: Double, median: Double) {
        let (units, first) = calibrate(body)
        var samples = [first]
        var spent = 0.0
        while samples.count <= minRepetitions || spent < minTime {
            let t = Self.time(body, units)
            samples.append(t / Double(units))
            spent += t
            if samples.count > 100 * targetRepetitions { break }
        }
        return (samples.min()!, Self.median(samples))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Two measurements whose ratio matters, repetitions alternating so both see the same machine conditions.
    /// Returns each one's best seconds per unit and the median over repetitions of b's time over a's: a difference
    /// of a few percent drowns in a shared host's noise when two bests are taken at different moments, while a
    /// disturbance rarely hits both halves of a pair alike.
    func pairedSecondsPerUnit(_ a: (Int) -> Void, _ b: (Int) -> Void)
        -> (a: Double, b: Double, medianA: Double, medianB: Double, medianRatio: Double) {
        let (unitsA, firstA) = calibrate(a), (unitsB, firstB) = calibrate(b)
        var samplesA = [firstA], samplesB = [firstB]
        var ratios: [Double] = []
        var spent = 0.0
        while ratios.count < minRepetitions || spent < minTime {
            let ta = Self.time(a, unitsA) / Double(unitsA), tb = Self.time(b, unitsB) / Double(unitsB)
            samplesA.append(ta)
            samplesB.append(tb)
            ratios.append(tb / ta)
            spent += ta * Double(unitsA) + tb * Double(unitsB)
            if ratios.count >= 100 * targetRepetitions { break }
        }
        return (samplesA.min()!, samplesB.min()!, Self.median(samplesA), Self.median(samplesB), Self.median(ratios))
    }

    /// Warms the body up and finds a batch size lasting at least minTime / targetRepetitions; returns it with the
    /// last calibration batch's seconds per unit, already a valid sample.
    private func calibrate(_ body: (Int) -> Void) -> (units: Int, secondsPerUnit: Double) {
        let repetition = minTime / Double(targetRepetitions)
        body(1) // warm-up: page faults, caches, the thread pool waking, BLAS buffers
        var units = 1
        var elapsed = Self.time(body, units)
        while elapsed < repetition, units < 1 << 40 {
            let scale = elapsed > 0 ? repetition / elapsed * 1.1 : 16
            units = max(units + 1, Int(Double(units) * min(scale, 16)))
            elapsed = Self.time(body, units)
        }
        return (units, elapsed / Double(units))
    }

    private static func time(_ body: (Int) -> Void, _ units: Int) -> Double {
        ContinuousClock().measure { body(units) }.seconds
    }
}
