// chart.svg: per model, latency and energy per inference side by side, one bar per variant, in the report's words
// and numbers (SpeedupNumberFormat). The variant names form one column shared by both panels, so a row reads across:
// this variant takes this long and costs this much.
import Foundation

/// Renders a SpeedupReport as a standalone SVG document (about 900 px wide, taller with more models and variants).
public enum SpeedupChart {
    static let width = 900.0
    static let margin = 20.0
    static let nameColumn = 220.0
    static let panelGap = 30.0
    /// Room right of the longest bar for its value label.
    static let valueRoom = 80.0
    static let rowPitch = 24.0
    static let barHeight = 16.0
    /// Characters of an 11 px label line that fit the name column (about 6.5 px each).
    static let nameLimit = 33
    static let gray = "#666666"
    static let warning = "#b00020"

    static var panelWidth: Double { (width - 2 * margin - nameColumn - 10 - panelGap) / 2 }

    public static func render(_ report: SpeedupReport) -> String {
        var svg = SVGWriter()
        var y = header(report, into: &svg)
        if report.runs.isEmpty {
            svg.text("No model was measured.", x: margin, y: y + 20, fill: gray)
            y += 40
        }
        for run in report.runs {
            y = SpeedupChartModel.draw(run, top: y, into: &svg)
        }
        svg.text("Values rounded to 4 significant digits; report.json holds them unrounded.", x: margin, y: y + 10,
                 size: 10, fill: gray)
        return svg.document(width: width, height: y + 22, title: "qinfer bench speedup: latency and energy per inference")
    }

    /// Title, when and where, board warnings and the legend; returns the y where the first model starts.
    private static func header(_ report: SpeedupReport, into svg: inout SVGWriter) -> Double {
        svg.text("Speedups: packed model vs FP32 — latency and energy per inference", x: margin, y: 30, size: 17,
                 weight: "bold")
        let place = "\(report.before.board) · \(report.before.cpu)"
        svg.text("\(report.createdAt.formatted(.iso8601)) · \(truncated(place, limit: 110))", x: margin, y: 50,
                 size: 11, fill: gray, title: place)
        var y = 50.0
        for sentence in report.boardWarnings {
            for (i, line) in wrapped("⚠ " + sentence, limit: 130).enumerated() {
                y += i == 0 ? 16 : 14
                svg.text(line, x: i == 0 ? margin : margin + 13, y: y, size: 11, fill: warning)
            }
        }
        let kinds = SpeedupVariant.Kind.allCases.filter { kind in report.runs.contains { $0.variants.contains { $0.kind == kind } } }
        var x = margin
        y += 24
        for kind in kinds {
            let itemWidth = 26 + Double(kind.label.count) * 6.5
            if x + itemWidth > width - margin && x > margin {
                x = margin
                y += 18
            }
            svg.rect(x: x, y: y - 10, width: 12, height: 12, fill: kind.color)
            svg.text(kind.label, x: x + 17, y: y, size: 11)
            x += itemWidth + 14
        }
        return y + 16
    }
}
