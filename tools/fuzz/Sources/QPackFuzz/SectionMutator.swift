import CLibFuzzerDriver
import QInferRandom

/// Structure-aware mutation. libFuzzer's own mutations insert and erase bytes anywhere; inside a JSON section that
/// shifts everything after it while the section table keeps the old offsets and lengths, so the reader stops at the
/// table or at JSON cut short, and the graph checker only ever sees same-length overwrites of the seeds. Most of the
/// time this mutator instead mutates one JSON section's text on its own and lays the file out again (offsets,
/// lengths, file size), so the harness's resealed pass gets well-framed JSON with the mutation inside. The rest of
/// the time, or when the input has no usable section table, it falls back to libFuzzer's mutations of the whole
/// file, which is what exercises the header and the table.
@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: CUnsignedInt) -> Int {
    guard let data else { return 0 }
    var rng = SplitMix64(seed: UInt64(seed))
    if rng.below(4) != 0,
       let layout = SectionLayout(UnsafeBufferPointer(start: data, count: size)),
       let mutated = layout.mutatingJSON(UnsafeBufferPointer(start: data, count: size), maxSize: maxSize, rng: &rng) {
        mutated.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: $0.count) }
        return mutated.count
    }
    return LLVMFuzzerMutate(data, size, maxSize)
}

/// Where the section table says the sections are. Only as much checking as the relayout needs to stay in bounds:
/// deciding what is valid is the reader's job, and odd tables are worth fuzzing too.
struct SectionLayout {
    struct Entry { var tableOffset: Int; var kind: UInt32; var range: Range<Int> }
    var tableEnd: Int
    var entries: [Entry]

    init?(_ file: UnsafeBufferPointer<UInt8>) {
        guard file.count >= 128 else { return nil }
        let count = Int(le32(file, 24)), tableOffset = le64(file, 32)
        guard (1...16).contains(count), file.count >= count * 32, tableOffset >= 128,
              tableOffset <= UInt64(file.count - count * 32) else { return nil }
        tableEnd = Int(tableOffset) + count * 32
        entries = []
        for i in 0..<count {
            let at = Int(tableOffset) + i * 32
            let offset = le64(file, at + 8), length = le64(file, at + 16)
            guard offset >= UInt64(tableEnd), offset <= UInt64(file.count), length <= UInt64(file.count) - offset else { return nil }
            entries.append(Entry(tableOffset: at, kind: le32(file, at), range: Int(offset)..<Int(offset + length)))
        }
    }

    /// The file with one metadata or graph section mutated and every section moved to follow the one before it
    /// (in their original order, 64-byte aligned), or nil when there is no JSON section or no room under maxSize.
    func mutatingJSON(_ file: UnsafeBufferPointer<UInt8>, maxSize: Int, rng: inout SplitMix64) -> [UInt8]? {
        let json = entries.indices.filter { entries[$0].kind == 1 || entries[$0].kind == 2 }
        guard !json.isEmpty else { return nil }
        let target = json[rng.below(json.count)]
        var payload = Array(file[entries[target].range])
        guard !payload.isEmpty else { return nil }
        // Room to grow while the relaid file (at most 63 bytes of padding per section) stays within maxSize. There is
        // none when libFuzzer is shrinking a crash (maxSize below the input's size): the text may then only shrink.
        let room = max(0, maxSize - file.count - 64 * entries.count)
        if rng.below(4) == 0, let changed = replacingInteger(payload, rng: &rng) {
            payload = changed
        } else {
            let original = payload.count, extra = min(room, max(original, 64))
            payload += [UInt8](repeating: 0, count: extra)
            let used = payload.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, original, original + extra) }
            payload.removeSubrange(used...)
        }

        var out = Array(file[0..<tableEnd])
        for i in entries.indices.sorted(by: { entries[$0].range.lowerBound < entries[$1].range.lowerBound }) {
            out += [UInt8](repeating: 0, count: (64 - out.count % 64) % 64)
            let bytes = i == target ? payload : Array(file[entries[i].range])
            putLE64(&out, entries[i].tableOffset + 8, UInt64(out.count))
            putLE64(&out, entries[i].tableOffset + 16, UInt64(bytes.count))
            out += bytes
        }
        putLE64(&out, 16, UInt64(out.count))
        return out.count <= maxSize ? out : nil
    }
}

/// Integers at the edges of what the format and Swift's Int arithmetic handle: the reader's documented limits, the
/// 32- and 64-bit ends, and values a round-up to 8 or 64 (panels, words, alignment) pushes past Int.max.
/// libFuzzer's own integer mutation only steps from the value already there, and cannot reach these from a shape
/// of 16.
private let boundaryIntegers: [Int64] = [
    0, 1, -1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 4095, 4096, 4097, 1 << 24, (1 << 24) + 1, 1 << 28, (1 << 28) + 1,
    Int64(Int32.max), Int64(UInt32.max), 1 << 32, 1 << 62, Int64.max, Int64.max - 1, Int64.max - 7, Int64.max - 63,
    Int64.min, Int64.min + 1,
]

/// Replaces one JSON integer (a digit run after `:`, `,` or `[`, with its sign) by a boundary value.
private func replacingInteger(_ text: [UInt8], rng: inout SplitMix64) -> [UInt8]? {
    var tokens: [Range<Int>] = []
    var i = 0
    while i < text.count {
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        let start = i
        if text[i] == 0x2D, i + 1 < text.count, isDigit(text[i + 1]) { i += 1 }
        guard isDigit(text[i]) else { i += 1; continue }
        while i < text.count && isDigit(text[i]) { i += 1 }
        if i < text.count, text[i] == 0x2E || text[i] == 0x65 || text[i] == 0x45 { continue } // a float: leave it
        let before = start > 0 ? text[start - 1] : 0
        if before == 0x3A || before == 0x2C || before == 0x5B { tokens.append(start..<i) }
    }
    guard !tokens.isEmpty else { return nil }
    let token = tokens[rng.below(tokens.count)]
    var out = text
    out.replaceSubrange(token, with: Array(String(boundaryIntegers[rng.below(boundaryIntegers.count)]).utf8))
    return out
}

private func le32(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }
}

private func le64(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt64 {
    (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
}

private func putLE64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) {
    for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
}
