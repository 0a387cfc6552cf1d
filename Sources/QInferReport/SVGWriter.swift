// Hand-written SVG: the report must draw its chart with nothing but the tool itself, and the few elements a bar chart
// needs are easier to keep well-formed here than a dependency would be to install on a board.
import Foundation

/// Accumulates SVG elements; every text and attribute value from data goes through XMLText.escape.
struct SVGWriter {
    private(set) var body: [String] = []

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, title: String? = nil) {
        let tooltip = title.map { "<title>\(XMLText.escape($0))</title>" } ?? ""
        let shape = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"\(fill)\""
        body.append(tooltip.isEmpty ? "<rect \(shape)/>" : "<rect \(shape)>\(tooltip)</rect>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) {
        body.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" "
                    + "stroke-width=\"\(n(width))\"/>")
    }

    enum Anchor: String { case start, middle, end }

    /// - Parameter title: a tooltip, e.g. the full name when the visible text is truncated.
    mutating func text(_ text: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                       weight: String? = nil, fill: String = "#222222", title: String? = nil) {
        let bold = weight.map { " font-weight=\"\($0)\"" } ?? ""
        let tooltip = title.map { "<title>\(XMLText.escape($0))</title>" } ?? ""
        body.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\""
                    + "\(bold) fill=\"\(fill)\">\(tooltip)\(XMLText.escape(text))</text>")
    }

    func document(width: Double, height: Double, title: String) -> String {
        let w = n(width), h = n(height)
        return ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
                + "font-family=\"DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif\">",
                "<title>\(XMLText.escape(title))</title>",
                "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>"]
            .joined(separator: "\n") + "\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Coordinates with at most 2 decimals; a non-finite coordinate (never expected) becomes 0 so the file still parses.
    private func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let rounded = (x * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", locale: Locale(identifier: "en_US_POSIX"), rounded)
    }
}

/// Visible text cut to `limit` characters with an ellipsis; the caller keeps the full text as a tooltip.
func truncated(_ text: String, limit: Int) -> String {
    let flat = String(text.map { $0.isNewline ? " " : $0 })
    return flat.count <= limit ? flat : String(flat.prefix(max(1, limit - 1))) + "…"
}

/// `text` broken at spaces into lines of at most `limit` characters (a longer word gets a line of its own): SVG 1.1
/// text does not wrap by itself, and a warning is worth reading in full.
func wrapped(_ text: String, limit: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
        if !current.isEmpty && current.count + 1 + word.count > limit {
            lines.append(current)
            current = ""
        }
        current += (current.isEmpty ? "" : " ") + word
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}
