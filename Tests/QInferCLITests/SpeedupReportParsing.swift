import Foundation
import Testing

/// Reading report.md back: table rows, cells, markdown escapes, and whether a printed number is a JSON number rounded.
enum ReportMarkdown {
    /// The lines of the section under `## Model: <name, escaped>`, up to the next heading.
    static func section(_ markdown: String, model: String) -> [String] {
        let lines = markdown.components(separatedBy: "\n")
        let heading = "## Model: "
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) && unescape(String($0.dropFirst(heading.count))) == model })
        else { return [] }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix("## ") || $0 == "---" } ?? lines.endIndex
        return Array(lines[(start + 1)..<end])
    }

    /// Rows of the table whose header starts with `| first |`, as cells, header and separator left out.
    static func table(_ lines: [String], first: String) -> [[String]] {
        guard let header = lines.firstIndex(where: { $0.hasPrefix("| \(first) |") }) else { return [] }
        var rows: [[String]] = []
        var i = header + 2
        while i < lines.count, lines[i].hasPrefix("|") {
            rows.append(cells(lines[i]))
            i += 1
        }
        return rows
    }

    /// A table row's cells, split on "|" that are not backslash-escaped, trimmed.
    static func cells(_ row: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        for ch in row {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                current.append(ch)
                escaped = true
            } else if ch == "|" {
                cells.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        return cells.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Markdown backslash escapes removed.
    static func unescape(_ text: String) -> String {
        var out = ""
        var escaped = false
        for ch in text {
            if !escaped && ch == "\\" { escaped = true; continue }
            out.append(ch)
            escaped = false
        }
        return out
    }

    /// True when `text` is `value` rounded to the digits `text` shows (half a unit of its last digit, any notation),
    /// i.e. the report printed the JSON's number and not another.
    static func agrees(_ text: String, _ value: Double) -> Bool {
        guard let shown = Double(text) else { return false }
        let parts = text.lowercased().split(separator: "e")
        let mantissa = parts[0]
        let decimals = mantissa.split(separator: ".").count == 2 ? mantissa.split(separator: ".")[1].count : 0
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let halfUnit = 0.5 * pow(10, Double(exponent - decimals))
        return abs(shown - value) <= halfUnit * (1 + 1e-9) + 1e-12 * abs(value)
    }
}

/// Checks that printed `text` agrees with `value`, with a message naming both.
func expectAgrees(_ text: String, _ value: Double?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let value else {
        #expect(text == "n/a", "\(what): JSON has none, markdown shows \(text)", sourceLocation: sourceLocation)
        return
    }
    #expect(ReportMarkdown.agrees(text, value), "\(what): markdown \(text) vs JSON \(value)", sourceLocation: sourceLocation)
}
