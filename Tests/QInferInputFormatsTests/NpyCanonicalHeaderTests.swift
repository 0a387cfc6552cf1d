import QInferRandom
import Testing
@testable import QInferInputFormats

/// The direct reader of numpy's own header form must read exactly what the general literal parser reads, and leave
/// every other form to it.
@Suite("npy canonical header")
struct NpyCanonicalHeaderTests {
    private static func padded(_ header: String) -> [UInt8] { Array(header.utf8) + Array("        \n".utf8) }

    /// descr and shape as the general parser reads them.
    private static func general(_ bytes: [UInt8]) throws -> (String, [Int]) {
        guard case .dict(let items) = try PythonLiteralParser.parse(bytes, 0..<bytes.count),
              case .string(let descr) = items.first(where: { $0.key == "descr" })?.value,
              case .tuple(let dims) = items.first(where: { $0.key == "shape" })?.value else {
            Issue.record("not a header: \(String(decoding: bytes, as: UTF8.self))")
            return ("", [])
        }
        return (descr, dims.map { if case .int(let n) = $0 { n } else { -1 } })
    }

    private static func tuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    @Test func readsWhatTheGeneralParserReads() throws {
        var rng = SplitMix64(seed: 0x4E50_5931)
        var shapes: [[Int]] = [[], [0], [5], [1024, 3], [28, 28], [1, 3, 1024], [0, 3], [999_999_999_999_999_999],
                               [Int](repeating: 1, count: 32), [Int](repeating: 2, count: 33)]
        for _ in 0..<200 { shapes.append((0..<rng.int(0...6)).map { _ in rng.int(0...100_000) }) }
        for descr in ["<f4", ">f4", "<f8", ">f8", "|u1", "|i1", "<i4", ">i8", "<u4", "|b1", "<c8", "u1", "|B"] {
            for shape in shapes {
                let bytes = Self.padded(NpyWriter.header(descr: descr, shape: Self.tuple(shape)))
                let fast = try #require(NpyCanonicalHeader.parse(bytes, 0..<bytes.count), "\(descr) \(shape)")
                let (descrGeneral, shapeGeneral) = try Self.general(bytes)
                #expect(fast.descr == descrGeneral && fast.shape == shapeGeneral && fast.shape == shape)
            }
        }
        // A space before the closing parenthesis is still a one-element tuple to both.
        let spaced = Self.padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2, ), }")
        let spacedGeneral = try Self.general(spaced)
        #expect(NpyCanonicalHeader.parse(spaced, 0..<spaced.count)?.shape == [2] && spacedGeneral.1 == [2])
        // The header numpy wrote for the fixtures, and NpyEncoder's.
        for file in [NumpyFixtures.float32Version1, NpyEncoder.float32(shape: [1024, 3], values: [Float](repeating: 0.5, count: 3072)),
                     NpyEncoder.uint8(shape: [28, 28], values: [UInt8](repeating: 7, count: 784))] {
            let length = Int(file[8]) | Int(file[9]) << 8
            #expect(NpyCanonicalHeader.parse(file, 10..<(10 + length)) != nil)
        }
    }

    @Test func leavesEveryOtherFormToTheGeneralParser() {
        let others = [
            "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,), }",  // double quotes
            "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}",           // key order
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",           // no trailing comma
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",        // Python 2 long
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }",          // an int, not a tuple
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1234567890123456789,), }",  // 19 digits
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }",
            "{'descr': '<\\'f4', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f4',  'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,",
            "",
        ]
        for header in others {
            let bytes = Self.padded(header)
            #expect(NpyCanonicalHeader.parse(bytes, 0..<bytes.count) == nil, "\(header)")
        }
    }

    /// Whole files: a canonical header and the same header in a form only the general parser reads decode alike.
    @Test func decodesAsTheGeneralFormDoes() {
        var rng = SplitMix64(seed: 0xDEC0DE)
        for _ in 0..<50 {
            let shape = (0..<rng.int(1...3)).map { _ in rng.int(1...9) }
            let count = shape.reduce(1, *)
            let floats = (0..<count).map { _ in rng.normal() }
            var f32: [UInt8] = []
            for v in floats { f32.appendLE(v) }
            let u8 = (0..<count).map { _ in UInt8(rng.below(256)) }
            for (descr, data) in [("<f4", f32), ("|u1", u8)] {
                let canonical = NpyWriter.file(header: NpyWriter.header(descr: descr, shape: Self.tuple(shape)), data: data)
                let other = NpyWriter.file(header: "{\"descr\": \"\(descr)\", \"fortran_order\": False, \"shape\": \(Self.tuple(shape))}",
                                           data: data)
                let a = tensor(canonical, .npy), b = tensor(other, .npy)
                #expect(a != nil && a == b)
            }
        }
    }
}
