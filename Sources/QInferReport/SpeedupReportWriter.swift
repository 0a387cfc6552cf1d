// `--report DIR`: report.md, chart.svg and report.json side by side. All three are rendered before anything is
// written, and each file is installed atomically (AtomicFile: temporary file in DIR, fsync, rename), so a full disk or
// a bad path leaves the previous report or nothing — never a half-written file a person might share.
import Foundation
import QInferModel

/// Why the report could not be written, naming the path.
public struct SpeedupReportError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write the report to \(path): \(reason)" }
}

/// Writes a SpeedupReport as DIR/report.md, DIR/chart.svg and DIR/report.json.
public enum SpeedupReportWriter {
    public static let markdownFile = "report.md"
    public static let chartFile = "chart.svg"
    public static let jsonFile = "report.json"

    /// Creates `directory` (and its parents) when missing and writes the three files; returns their paths.
    @discardableResult
    public static func write(_ report: SpeedupReport, to directory: String) throws(SpeedupReportError) -> [String] {
        let dir = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let jsonPath = "\(dir)/\(jsonFile)"
        let json: Data
        do {
            json = try SpeedupReportJSON.encode(report)
        } catch {
            throw SpeedupReportError(path: jsonPath, reason: "the report cannot be encoded as JSON (\(error))")
        }
        let files: [(String, [UInt8])] = [
            (jsonPath, Array(json)),
            ("\(dir)/\(chartFile)", Array(SpeedupChart.render(report).utf8)),
            ("\(dir)/\(markdownFile)", Array(SpeedupMarkdown.render(report, chartFile: chartFile).utf8)),
        ]
        try Directories.create(dir)
        for (path, bytes) in files {
            do {
                try AtomicFile.install(bytes, at: path)
            } catch {
                throw SpeedupReportError(path: path, reason: error.message)
            }
        }
        return files.map(\.0)
    }
}
