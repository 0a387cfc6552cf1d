import QInferTestSupport

/// The Prometheus text format read back for the tests: every sample with its labels, and each family's TYPE.
struct Exposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    private(set) var samples: [Sample] = []
    private(set) var types: [String: String] = [:]
    private(set) var helps: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) where !line.isEmpty {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw TestFailure("bad comment line: \(line)") }
                if line.hasPrefix("# TYPE ") { types[parts[0]] = parts[1] } else { helps[parts[0]] = parts[1] }
                continue
            }
            samples.append(try Self.sample(line))
        }
    }

    /// `name{a="x",b="y"} value`, label values with \\, \" and \n escapes.
    private static func sample(_ line: String) throws -> Sample {
        var chars = Array(line)[...]
        var name = ""
        while let c = chars.first, c != "{", c != " " { name.append(c); chars.removeFirst() }
        var labels: [String: String] = [:]
        if chars.first == "{" {
            chars.removeFirst()
            while chars.first != "}" {
                var key = ""
                while let c = chars.first, c != "=" { key.append(c); chars.removeFirst() }
                guard chars.popFirst() == "=", chars.popFirst() == "\"" else { throw TestFailure("bad label in \(line)") }
                var value = ""
                while let c = chars.popFirst(), c != "\"" {
                    if c == "\\" {
                        switch chars.popFirst() {
                        case "n": value.append("\n")
                        case let e?: value.append(e)
                        case nil: throw TestFailure("dangling escape in \(line)")
                        }
                    } else {
                        value.append(c)
                    }
                }
                labels[key] = value
                if chars.first == "," { chars.removeFirst() }
                guard !chars.isEmpty else { throw TestFailure("unterminated labels in \(line)") }
            }
            chars.removeFirst()
        }
        guard chars.popFirst() == " ", let value = Double(String(chars).replacingOccurrences(of: "+Inf", with: "inf")) else {
            throw TestFailure("bad sample line: \(line)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    func samples(_ name: String, where match: [String: String] = [:]) -> [Sample] {
        samples.filter { s in s.name == name && match.allSatisfy { s.labels[$0.key] == $0.value } }
    }

    func value(_ name: String, _ match: [String: String] = [:]) throws -> Double {
        let found = samples(name, where: match)
        guard found.count == 1 else { throw TestFailure("\(found.count) samples \(name)\(match), expected one") }
        return found[0].value
    }
}
