// A bar panel's scale: from 0 to a round number at or above the largest value, with 3–6 round ticks, so bars of a
// 0.2 ms and a 2 s variant share one honest linear axis and the ticks read as numbers a person would write.
import Foundation

/// A linear axis from 0 with round tick values.
struct ChartAxis {
    let maximum: Double
    let step: Double

    /// - Parameter values: the bars' values; non-finite and negative ones are ignored (they draw no bar).
    init(values: [Double]) {
        let largest = values.filter { $0.isFinite && $0 > 0 }.max() ?? 0
        guard largest > 0, largest < Double.greatestFiniteMagnitude / 100 else {
            // Nothing to scale (all zero or missing), or too large to round: a plain 0…1 or 0…largest axis.
            let top = largest > 0 ? largest : 1
            maximum = top
            step = top / 4
            return
        }
        let raw = largest / 4
        let magnitude = pow(10, floor(log10(raw)))
        let normalized = raw / magnitude
        let round: Double = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 2.5 ? 2.5 : normalized <= 5 ? 5 : 10
        step = round * magnitude
        maximum = (largest / step).rounded(.up) * step
    }

    var ticks: [Double] {
        let count = Int((maximum / step).rounded())
        return (0...max(1, count)).map { Double($0) * step }
    }

    /// Where `value` falls on a bar of full length `length`; 0 for values that draw no bar.
    func position(_ value: Double, length: Double) -> Double {
        guard value.isFinite, value > 0, maximum > 0 else { return 0 }
        return min(length, value / maximum * length)
    }

    /// Tick text: as many decimals as the step needs; scientific where decimals would be unreadable.
    func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        if step >= 1e6 || step < 1e-4 { return String(format: "%.3g", locale: Locale(identifier: "en_US_POSIX"), value).lowercased() }
        let places = max(0, Int(-floor(log10(step) + 1e-9)) + (step / pow(10, floor(log10(step))) == 2.5 ? 1 : 0))
        return String(format: "%.\(places)f", locale: Locale(identifier: "en_US_POSIX"), value)
    }
}
