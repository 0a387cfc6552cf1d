// One JSON object per line, keys in the order given: stable, diffable output for scripts, without the key sorting
// or float formatting of a general encoder.
struct JSONLine {
    enum Value {
        case string(String)
        case int(Int)
        case number(Double, digits: Int)
        case bool(Bool)
        case null
    }

    private var fields: [(String, Value)] = []

    mutating func add(_ key: String, _ value: Value) { fields.append((key, value)) }

    var text: String {
        "{" + fields.map { "\(Self.quote($0.0)):\(Self.encode($0.1))" }.joined(separator: ",") + "}"
    }

    private static func encode(_ value: Value) -> String {
        switch value {
        case .string(let s): return quote(s)
        case .int(let i): return String(i)
        case .number(let x, let digits): return x.isFinite ? fixed(x, digits: digits) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    private static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
