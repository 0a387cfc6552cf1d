import Testing
@testable import QInferModel

/// The bad-input corpus: each corruption of a valid file and the error it must produce.
struct Corruption: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: String
    let reseal: Bool
    let apply: @Sendable ([UInt8]) -> [UInt8]
    var testDescription: String { name }
}

func sectionEntryOffset(_ file: [UInt8], kind: UInt32) -> Int { sectionEntry(file, kind: kind) }

private func sectionEntry(_ file: [UInt8], kind: UInt32) -> Int {
    let count = Int(u64(file, at: 24) & 0xFFFF_FFFF)
    for i in 0..<count where u64(file, at: 128 + i * 32) & 0xFFFF_FFFF == UInt64(kind) { return 128 + i * 32 }
    fatalError("no section \(kind)")
}

/// Replaces the graph JSON with `transform(json)`, keeping the section in place (padding with spaces).
private func editGraph(_ file: [UInt8], _ transform: (String) -> String) -> [UInt8] {
    var out = file
    let entry = sectionEntry(file, kind: 2)
    let offset = Int(u64(file, at: entry + 8)), length = Int(u64(file, at: entry + 16))
    let json = String(decoding: file[offset..<(offset + length)], as: UTF8.self)
    var edited = Array(transform(json).utf8)
    precondition(edited.count <= length + (64 - length % 64) % 64, "edit too long for the section")
    if edited.count < length { edited += [UInt8](repeating: 0x20, count: length - edited.count) }
    out.replaceSubrange(offset..<(offset + edited.count), with: edited)
    setU64(&out, at: entry + 16, UInt64(edited.count))
    return out
}

let corruptions: [Corruption] = [
    Corruption(name: "empty", expected: "shorter than the 128-byte header", reseal: false) { _ in [] },
    Corruption(name: "truncated header", expected: "shorter than the 128-byte header", reseal: false) { Array($0.prefix(100)) },
    Corruption(name: "truncated body", expected: "byte 16: header says the file is", reseal: false) { Array($0.dropLast(1000)) },
    Corruption(name: "wrong magic", expected: "byte 0: not a .qpack file", reseal: false) { var f = $0; f[1] = 0x58; return f },
    Corruption(name: "future major version", expected: "byte 8: format version 2.0 is not supported", reseal: false) {
        var f = $0; f[8] = 2; f[10] = 0; return f
    },
    Corruption(name: "bad header size", expected: "byte 12: header size 64", reseal: false) { var f = $0; setU32(&f, at: 12, 64); return f },
    Corruption(name: "zero sections", expected: "byte 24: section count 0", reseal: false) { var f = $0; setU32(&f, at: 24, 0); return f },
    Corruption(name: "unknown flags", expected: "byte 28: unknown header flags", reseal: false) { var f = $0; f[28] = 1; return f },
    Corruption(name: "section table past the end", expected: "byte 32: section table at", reseal: false) {
        var f = $0; setU64(&f, at: 32, UInt64(f.count - 8)); return f
    },
    Corruption(name: "section offset past the end", expected: "tensor data section", reseal: false) {
        var f = $0; setU64(&f, at: sectionEntry(f, kind: 3) + 8, UInt64(f.count + 64)); return f
    },
    Corruption(name: "section length past the end", expected: "lies outside", reseal: false) {
        var f = $0; setU64(&f, at: sectionEntry(f, kind: 3) + 16, UInt64(f.count)); return f
    },
    Corruption(name: "misaligned section", expected: "graph section offset", reseal: false) {
        var f = $0; let e = sectionEntry(f, kind: 2); setU64(&f, at: e + 8, u64(f, at: e + 8) + 8); return f
    },
    Corruption(name: "overlapping sections", expected: "overlaps the metadata section", reseal: false) {
        var f = $0; setU64(&f, at: sectionEntry(f, kind: 2) + 8, u64(f, at: sectionEntry(f, kind: 1) + 8)); return f
    },
    Corruption(name: "duplicate section kind", expected: "metadata section appears twice", reseal: false) {
        var f = $0; setU32(&f, at: sectionEntry(f, kind: 2), 1); return f
    },
    Corruption(name: "unknown section kind", expected: "unknown kind 99", reseal: false) {
        var f = $0; setU32(&f, at: sectionEntry(f, kind: 2), 99); return f
    },
    Corruption(name: "signature not last", expected: "signature section must be the last", reseal: false) {
        var f = $0; setU64(&f, at: sectionEntry(f, kind: 4) + 16, 64); return f
    },
    Corruption(name: "flipped data bit", expected: "byte 48: SHA-256 checksum does not match", reseal: false) {
        var f = $0; f[f.count - 200] ^= 0x10; return f
    },
    Corruption(name: "metadata not JSON", expected: "metadata section:", reseal: true) {
        var f = $0; f[Int(u64(f, at: sectionEntry(f, kind: 1) + 8))] = 0x21; return f
    },
    Corruption(name: "unknown op", expected: "unknown op 'conv9d'", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"op\":\"sign_pack\"", with: "\"op\":\"conv9d\"") }
    },
    Corruption(name: "misaligned tensor", expected: "is not 64-byte aligned", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"offset\":0,", with: "\"offset\":8,") }
    },
    Corruption(name: "tensor past the data", expected: "run past the tensor data", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"offset\":0,", with: "\"offset\":99968,") }
    },
    Corruption(name: "tensor length disagrees with shape", expected: "needs 288", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"length\":288", with: "\"length\":284") }
    },
    Corruption(name: "overlapping tensors", expected: "overlaps tensor", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"offset\":320,", with: "\"offset\":256,") }
    },
    Corruption(name: "shapes do not chain", expected: "node 'mlp2' (binary_dense): weights [24, 70] expect 70 bits per row", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"inputs\":[\"b1\"]", with: "\"inputs\":[\"b0\"]") }
    },
    Corruption(name: "undefined input", expected: "input 'nope' is not defined", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"inputs\":[\"b1\"]", with: "\"inputs\":[\"nope\"]") }
    },
    Corruption(name: "huge input shape", expected: "input shape [9223372036854775807, 3] must have positive dimensions", reseal: true) {
        var f = $0
        let entry = sectionEntryOffset(f, kind: 1)
        let offset = Int(u64(f, at: entry + 8)), length = Int(u64(f, at: entry + 16))
        var json = String(decoding: f[offset..<(offset + length)], as: UTF8.self)
        json = json.replacingFirst("\"shape\":[16,3]", with: "\"shape\":[9223372036854775807,3]")
        var bytes = Array(json.utf8)
        let room = (length + 63) / 64 * 64
        precondition(bytes.count <= room)
        let newLength = bytes.count
        bytes += [UInt8](repeating: 0, count: room - bytes.count)
        f.replaceSubrange(offset..<(offset + room), with: bytes)
        setU64(&f, at: entry + 16, UInt64(newLength))
        return f
    },
    // Found by the fuzzer (tools/fuzz): these overflowed instead of being refused.
    Corruption(name: "tensor offset near Int.max", expected: "is not 64-byte aligned", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"offset\":0,", with: "\"offset\":9223372036854775807,") }
    },
    Corruption(name: "aligned tensor offset near Int.max", expected: "run past the tensor data", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"offset\":0,", with: "\"offset\":9223372036854775744,") }
    },
    Corruption(name: "bits tensor with a huge last axis", expected: "is invalid for bits", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"shape\":[70,24]", with: "\"shape\":[70,9223372036854775807]") }
    },
    Corruption(name: "bits tensor with a huge channel axis", expected: "is invalid for bits", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"shape\":[70,24]", with: "\"shape\":[9223372036854775807,24]") }
    },
    Corruption(name: "missing tensor", expected: "tensor 'stem.q' does not exist", reseal: true) {
        editGraph($0) { $0.replacingFirst("\"weights\":\"stem.w\"", with: "\"weights\":\"stem.q\"") }
    },
]

@Suite struct BadInputTests {
    @Test("each corrupted file is refused with an error naming what is wrong", arguments: corruptions)
    func refused(_ c: Corruption) throws {
        let valid = try TinyModel.bytes()
        var bad = c.apply(valid)
        if c.reseal { bad = resealed(bad) }
        #expect(bad != valid, "the corruption changed nothing")
        do {
            _ = try load(bad)
            Issue.record("\(c.name): accepted")
        } catch {
            #expect(error.message.contains(c.expected), "\(c.name): got '\(error.message)'")
        }
    }

    @Test("every truncation and single-byte corruption of the header and table is refused without a crash")
    func exhaustiveHeaderCorruption() throws {
        let valid = try TinyModel.bytes()
        for length in stride(from: 0, to: valid.count, by: 97) { #expect(throws: ModelError.self) { _ = try load(Array(valid.prefix(length))) } }
        for offset in 0..<256 {
            var bad = valid
            bad[offset] ^= 0xFF
            if (48..<80).contains(offset) { continue } // the checksum field is covered by the flipped-bit case
            #expect(throws: ModelError.self, "byte \(offset)") { _ = try load(bad) }
        }
    }

    @Test("window attributes near Int.max are refused, not overflowed", arguments: [Int.max, Int.max / 2, 1 << 20, 0, -1])
    func hugeWindow(stride: Int) throws {
        var b = QPackBuilder(metadata: ModelMetadata(
            name: "w", version: "1", task: .imageClassification, labels: ["a", "b"], input: InputSignature(name: "x", shape: [8, 8, 1]),
            preprocessing: Preprocessing(frame: FramePreprocessing(width: 8, height: 8, channelOrder: .gray, mean: [0], std: [1]))))
        b.addBits("w", shape: [2, 3, 3, 1], signsOf: [Float](repeating: 1, count: 18))
        b.addF32("m", shape: [2], [1, 1])
        b.addF32("a", shape: [2], [0, 0])
        let conv = BinaryConv2D(weights: "w", stride: stride, pad: Padding2D(top: stride == 0 ? Int.max : 1, left: 1, bottom: 1, right: 1),
                                padValue: .zero, output: .affine(mul: "m", bias: "a"))
        #expect(throws: ModelError.self) {
            _ = try b.build(input: "x", output: "g", nodes: [
                Node(name: "s", inputs: ["x"], output: "xb", op: .signPack),
                Node(name: "c", inputs: ["xb"], output: "y", op: .binaryConv2d(conv)),
                Node(name: "p", inputs: ["y"], output: "g", op: .globalAvgPool),
            ])
        }
    }

    @Test("a missing file and a directory are clear errors")
    func notAFile() {
        #expect(throws: ModelError.self) { _ = try PackedModel(path: "/nonexistent/x.qpack") }
        do {
            _ = try PackedModel(path: "/tmp")
        } catch {
            #expect(error.message.contains("not a regular file"))
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { preconditionFailure("'\(target)' not in the JSON") }
        return replacingCharacters(in: range, with: replacement)
    }
}
