// report.json and `qinfer bench speedup --json` come from the same encoder, so a person can diff them and the
// report's markdown can be checked against either.
import Foundation

/// The JSON form of a SpeedupReport: sorted keys (stable diffs), ISO-8601 dates, pretty-printed, unescaped slashes.
public enum SpeedupReportJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // Paths stay readable ("models/irnet", not "models\/irnet").
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// The report as JSON text ending in a newline. Throws for a non-finite number, which JSON cannot hold.
    public static func encode(_ report: SpeedupReport) throws -> Data {
        var data = try encoder().encode(report)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> SpeedupReport {
        try decoder().decode(SpeedupReport.self, from: data)
    }
}
