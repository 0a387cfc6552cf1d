/// The inference answer's JSON written directly, since it is the one body the daemon writes per inference: byte for
/// byte what Foundation's JSONEncoder writes with `.sortedKeys` and `.withoutEscapingSlashes` (swift-foundation's
/// JSONWriter: keys in UTF-8 order, absent optionals omitted, numbers as `description` without a trailing ".0", the
/// same string escapes), without its generic Encodable machinery, which costs tens of µs per answer on Linux.
/// The tests hold it equal to JSONEncoder on random answers, so a field added to these types and not here fails them.
extension InferResponse {
    /// The body, or nil when a number JSON cannot hold is in it (NaN or infinity: JSONEncoder refuses those too).
    public func jsonBytes() -> [UInt8]? {
        var w = JSONBytesWriter()
        w.bytes.reserveCapacity(384 + (outputs?.count ?? 0) * 14)
        w.raw("{\"model\":")
        w.string(model)
        if let outputs {
            w.raw(",\"outputs\":[")
            for (i, v) in outputs.enumerated() {
                if i > 0 { w.raw(",") }
                guard w.number(v) else { return nil }
            }
            w.raw("]")
        }
        if let source {
            w.raw(",\"source\":{\"dropped\":")
            w.int(source.dropped)
            w.raw(",\"fps\":")
            guard w.number(source.fps) else { return nil }
            w.raw(",\"name\":")
            w.string(source.name)
            w.raw("}")
        }
        w.raw(",\"telemetry\":")
        guard w.telemetry(telemetry) else { return nil }
        w.raw(",\"top\":[")
        for (i, p) in top.enumerated() {
            w.raw(i > 0 ? ",{\"index\":" : "{\"index\":")
            w.int(p.index)
            w.raw(",\"label\":")
            w.string(p.label)
            w.raw(",\"score\":")
            guard w.number(p.score) else { return nil }
            w.raw("}")
        }
        w.raw("],\"version\":")
        w.string(version)
        w.raw("}")
        return w.bytes
    }
}

/// Appends JSON pieces to a byte array, formatted as swift-foundation's JSONWriter formats them.
struct JSONBytesWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    /// `description` minus a trailing ".0", as JSONEncoder writes a Float or Double; false for NaN and infinities.
    mutating func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) -> Bool {
        guard value.isFinite else { return false }
        let text = value.description.utf8
        bytes.append(contentsOf: text.count > 2 && text.suffix(2).elementsEqual(".0".utf8) ? text.dropLast(2) : text[...])
        return true
    }

    /// Quoted, with JSONWriter's escapes: quote, backslash, \b \f \n \r \t, other controls as \u00xx (lower-case hex);
    /// slashes and everything from 0x20 up, UTF-8 included, as they are.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigit(b >> 4))
                bytes.append(Self.hexDigit(b & 0xF))
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? v + 0x30 : v - 10 + UInt8(ascii: "a") }

    mutating func telemetry(_ t: Telemetry) -> Bool {
        raw("{")
        if let board = t.board {
            raw("\"board\":")
            guard boardState(board) else { return false }
            raw(",")
        }
        raw("\"compute_us\":")
        int(t.computeMicros)
        if let energy = t.energy {
            raw(",\"energy\":{\"average_w\":")
            guard number(energy.averageWatts) else { return false }
            raw(",\"estimated\":")
            bool(energy.estimated)
            raw(",\"joules\":")
            guard number(energy.joules) else { return false }
            raw(",\"joules_above_idle\":")
            guard number(energy.joulesAboveIdle) else { return false }
            raw(",\"source\":")
            string(energy.source)
            raw("}")
        }
        raw(",\"preprocess_us\":")
        int(t.preprocessMicros)
        raw(",\"queue_us\":")
        int(t.queueMicros)
        raw(",\"total_us\":")
        int(t.totalMicros)
        raw("}")
        return true
    }

    /// Only the fields present, in key order: cpu_max_mhz, cpu_mhz, temperature_c, throttle_reason, throttled.
    mutating func boardState(_ s: BoardState) -> Bool {
        raw("{")
        var first = true
        if let v = s.cpuMaxMHz { key("\"cpu_max_mhz\":", &first); guard number(v) else { return false } }
        if let v = s.cpuMHz { key("\"cpu_mhz\":", &first); guard number(v) else { return false } }
        if let v = s.temperatureC { key("\"temperature_c\":", &first); guard number(v) else { return false } }
        if let v = s.throttleReason { key("\"throttle_reason\":", &first); string(v) }
        if let v = s.throttled { key("\"throttled\":", &first); bool(v) }
        raw("}")
        return true
    }

    private mutating func key(_ name: StaticString, _ first: inout Bool) {
        if !first { raw(",") }
        first = false
        raw(name)
    }
}
