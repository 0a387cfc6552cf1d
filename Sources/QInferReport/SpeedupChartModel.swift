// One model's block of the chart: its name, then the latency panel and the energy panel on the same rows. Missing
// energy draws no bar and says "n/a" (a zero-length bar would claim zero joules); estimated energy is starred and
// the note under the panels names the CPU-time model it came from.
import Foundation

enum SpeedupChartModel {
    typealias C = SpeedupChart

    /// Draws `run` from `top`; returns the y below it.
    static func draw(_ run: SpeedupRun, top: Double, into svg: inout SVGWriter) -> Double {
        var y = top + 22
        svg.text(truncated(run.model, limit: 100), x: C.margin, y: y, size: 14, weight: "bold", title: run.model)
        guard !run.variants.isEmpty else {
            svg.text("No variant ran.", x: C.margin, y: y + 20, size: 12, fill: C.gray)
            return y + 36
        }
        let latencyX = C.margin + C.nameColumn + 10
        let energyX = latencyX + C.panelWidth + C.panelGap
        y += 20
        svg.text("latency per inference (µs)", x: latencyX, y: y, size: 12, weight: "bold")
        let estimated = run.variants.compactMap(\.energy).filter(\.estimated)
        svg.text("energy per inference (mJ)" + (estimated.isEmpty ? "" : " — estimated*"), x: energyX, y: y, size: 12,
                 weight: "bold")
        let rowsTop = y + 8
        let latencies = run.variants.map(\.latency.medianMicros)
        let energies = run.variants.map { $0.energy.map { $0.joulesPerInference * 1e3 } }
        let latencyAxis = ChartAxis(values: latencies)
        let energyAxis = ChartAxis(values: energies.compactMap { $0 })
        let labels = run.displayNames().map(nameLines)
        // Two-line names need taller rows; one model's rows share one pitch so its bars stay evenly spaced.
        let pitch = labels.contains { $0.count > 1 } ? C.rowPitch + 8 : C.rowPitch
        let rowsHeight = Double(run.variants.count) * pitch
        grid(latencyAxis, x: latencyX, top: rowsTop, height: rowsHeight, into: &svg)
        if !energies.allSatisfy({ $0 == nil }) {
            grid(energyAxis, x: energyX, top: rowsTop, height: rowsHeight, into: &svg)
        }
        for (i, (variant, name)) in zip(run.variants, run.displayNames()).enumerated() {
            let rowY = rowsTop + Double(i) * pitch + (pitch - C.barHeight) / 2
            let textY = rowY + C.barHeight - 4
            let lines = labels[i]
            for (j, line) in lines.enumerated() {
                let lineY = lines.count == 1 ? textY : rowY + C.barHeight / 2 - 2 + Double(j) * 12
                svg.text(line, x: latencyX - 8, y: lineY, size: 11, anchor: .end, title: name)
            }
            bar(variant.latency.medianMicros, unit: "µs", axis: latencyAxis, x: latencyX, y: rowY, kind: variant.kind,
                tooltip: "\(name): median \(SpeedupNumberFormat.quantity(variant.latency.medianMicros)) µs", into: &svg)
            if let mJ = energies[i], let energy = variant.energy {
                bar(mJ, unit: energy.estimated ? "mJ*" : "mJ", axis: energyAxis, x: energyX, y: rowY, kind: variant.kind,
                    tooltip: "\(name): \(SpeedupNumberFormat.quantity(mJ)) mJ per inference", into: &svg)
            } else {
                svg.text("n/a", x: energyX + 4, y: textY, fill: C.gray, title: "\(name): no energy measured")
            }
        }
        y = rowsTop + rowsHeight + 16
        if let first = estimated.first {
            y += 6
            let note = "* estimated: energy from the CPU-time model (\(first.source)), not measured by a power sensor"
            for (j, line) in wrapped(note, limit: 150).prefix(3).enumerated() {
                if j > 0 { y += 13 }
                svg.text(truncated(line, limit: 150), x: C.margin, y: y, size: 10, fill: C.gray)
            }
        }
        return y + 8
    }

    /// A name as at most two lines that fit the name column; what does not fit ends in "…" (the tooltip has it all).
    private static func nameLines(_ name: String) -> [String] {
        let lines = wrapped(name, limit: C.nameLimit)
        guard lines.count > 2 else { return lines.isEmpty ? [""] : lines.map { truncated($0, limit: C.nameLimit) } }
        return [truncated(lines[0], limit: C.nameLimit), truncated(lines[1...].joined(separator: " "), limit: C.nameLimit)]
    }

    /// Gridlines and tick labels under one panel's rows.
    private static func grid(_ axis: ChartAxis, x: Double, top: Double, height: Double, into svg: inout SVGWriter) {
        let length = C.panelWidth - C.valueRoom
        for tick in axis.ticks {
            let tx = x + axis.position(tick, length: length)
            svg.line(x1: tx, y1: top, x2: tx, y2: top + height, stroke: tick == 0 ? "#999999" : "#e0e0e0")
            svg.text(axis.label(tick), x: tx, y: top + height + 12, size: 9, anchor: .middle, fill: C.gray)
        }
    }

    private static func bar(_ value: Double, unit: String, axis: ChartAxis, x: Double, y: Double,
                            kind: SpeedupVariant.Kind, tooltip: String, into svg: inout SVGWriter) {
        // At least a sliver, so a variant that measured 0 still shows its color next to its label.
        let length = max(1, axis.position(value, length: C.panelWidth - C.valueRoom))
        svg.rect(x: x, y: y, width: length, height: C.barHeight, fill: kind.color, title: tooltip)
        svg.text("\(SpeedupNumberFormat.quantity(value)) \(unit)", x: x + length + 4, y: y + C.barHeight - 4, size: 11)
    }
}
