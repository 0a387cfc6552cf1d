/// Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/): each
/// family's HELP and TYPE once, then its samples, all lines of a family together.
struct ExpositionWriter {
    enum Kind: String { case counter, gauge, histogram }

    private(set) var text = ""

    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], value: Double) {
        text += name
        appendLabels(labels)
        text += " \(Self.number(value))\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], count value: UInt64) {
        text += name
        appendLabels(labels)
        text += " \(value)\n"
    }

    /// `name_bucket` per bound (cumulative, `le` last among the labels) through +Inf, then `name_sum` and `name_count`.
    mutating func histogram(_ name: String, _ labels: [(String, String)], _ h: FixedHistogram) {
        for (bound, count) in h.cumulative {
            sample(name + "_bucket", labels + [("le", Self.number(bound))], count: count)
        }
        sample(name + "_sum", labels, value: h.sum)
        sample(name + "_count", labels, count: h.count)
    }

    private mutating func appendLabels(_ labels: [(String, String)]) {
        guard !labels.isEmpty else { return }
        text += "{"
        for (i, (name, value)) in labels.enumerated() {
            if i > 0 { text += "," }
            text += "\(name)=\"\(Self.escapeLabel(value))\""
        }
        text += "}"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabel(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// HELP text escapes only backslash and line feed.
    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Go's shortest form (strconv.FormatFloat 'g', -1), which Prometheus client libraries write: whole numbers without
    /// ".0", so an `le` label reads "1" or "10" as in other exporters' histograms and in queries typed by hand.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return v.description
    }
}
