import Testing
@testable import QInferInputFormats

@Suite("npy")
struct NpyTests {
    @Test func numpyWrittenFloat32Version1() {
        let t = tensor(NumpyFixtures.float32Version1, name: "a.npy")
        #expect(t == Tensor(shape: [2, 3], storage: .float32([-0.5, -0.25, 0, 0.25, 0.5, 0.75])))
    }

    @Test func numpyWrittenUInt8Version2() {
        let t = tensor(NumpyFixtures.uint8Version2, name: "u.npy")
        #expect(t == Tensor(shape: [2, 2, 3], storage: .uint8((0..<12).map { UInt8($0 * 20) })))
    }

    @Test func numpyWrittenFloat64Version3ConvertsToFloat32() {
        let t = tensor(NumpyFixtures.float64Version3, name: "d.npy")
        #expect(t == Tensor(shape: [1, 2], storage: .float32([1.5, -2.25])))
    }

    @Test func handWrittenVersionsAndDtypes() {
        for version: UInt8 in [1, 2, 3] {
            let t = tensor(NpyWriter.float32([1, 2, 3, 4], shape: "(4,)", version: version), .npy)
            #expect(t == Tensor(shape: [4], storage: .float32([1, 2, 3, 4])))
        }
        var bigEndian: [UInt8] = []
        for value: Float in [1.5, -8] { bigEndian.appendBE(value) }
        #expect(tensor(NpyWriter.file(header: NpyWriter.header(descr: ">f4", shape: "(2,)"), data: bigEndian), .npy)
                == Tensor(shape: [2], storage: .float32([1.5, -8])))
        #expect(tensor(NpyWriter.file(header: NpyWriter.header(descr: "|i1", shape: "(3,)"), data: [0xFF, 0x80, 0x7F]), .npy)
                == Tensor(shape: [3], storage: .float32([-1, -128, 127])))
        #expect(tensor(NpyWriter.file(header: NpyWriter.header(descr: "|u1", shape: "(1, 3)"), data: [0, 128, 255]), .npy)
                == Tensor(shape: [1, 3], storage: .uint8([0, 128, 255])))
        var doubles: [UInt8] = []
        doubles.appendBE(Double(0.125))
        #expect(tensor(NpyWriter.file(header: NpyWriter.header(descr: ">f8", shape: "(1,)"), data: doubles), .npy)
                == Tensor(shape: [1], storage: .float32([0.125])))
    }

    @Test func integerArraysBecomeExactFloats() {
        var le: [UInt8] = []
        for v: Int32 in [7, -3, 1 << 24] { withUnsafeBytes(of: v.littleEndian) { le += $0 } }
        #expect(tensor(NpyWriter.file(header: NpyWriter.header(descr: "<i4", shape: "(3,)"), data: le), .npy)
                == Tensor(shape: [3], storage: .float32([7, -3, 16_777_216])))
        var be: [UInt8] = []
        for v: Int64 in [-1, 42] { withUnsafeBytes(of: v.bigEndian) { be += $0 } }
        #expect(tensor(NpyWriter.file(header: NpyWriter.header(descr: ">i8", shape: "(2,)"), data: be), .npy)
                == Tensor(shape: [2], storage: .float32([-1, 42])))
        var big: [UInt8] = []
        withUnsafeBytes(of: Int32((1 << 24) + 1).littleEndian) { big += $0 }
        expectFailure(NpyWriter.file(header: NpyWriter.header(descr: "<i4", shape: "(1,)"), data: big), .npy, kind: .badValue)
    }

    @Test func scalarsEmptyArraysAndHeaderVariants() {
        #expect(tensor(NpyWriter.float32([7], shape: "()"), .npy) == Tensor(shape: [], storage: .float32([7])))
        #expect(tensor(NpyWriter.float32([], shape: "(0, 3)"), .npy) == Tensor(shape: [0, 3], storage: .float32([])))
        // Key order, double quotes, no trailing comma, Python 2 long suffix, no padding: all valid Python literals.
        let header = "{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<f4\"}"
        var data: [UInt8] = []
        data.appendLE(Float(1)); data.appendLE(Float(2))
        #expect(tensor(NpyWriter.file(header: header, data: data, pad: false), .npy) == Tensor(shape: [2], storage: .float32([1, 2])))
    }

    @Test func shapeArgumentMustMatch() {
        let bytes = NpyWriter.float32([1, 2, 3, 4], shape: "(2, 2)")
        #expect(tensor(bytes, .npy, shape: [2, 2]) != nil)
        expectFailure(bytes, .npy, shape: [4], kind: .sizeMismatch, field: "shape")
    }

    @Test func badFiles() {
        let data4: [UInt8] = [0, 0, 128, 63]
        func npy(_ header: String, data: [UInt8] = data4, version: UInt8 = 1) -> [UInt8] {
            NpyWriter.file(header: header, data: data, version: version)
        }
        let valid = NpyWriter.float32([1], shape: "(1,)")
        expectFailure([], .npy, name: "e.npy", kind: .truncated, at: .byteOffset(0))
        expectFailure(Array(valid.prefix(5)), .npy, kind: .truncated, at: .byteOffset(5))
        expectFailure(ascii("NUMPY is not here"), .npy, name: "x.npy", kind: .badMagic, at: .byteOffset(0))
        expectFailure(Array(valid.prefix(9)), .npy, kind: .truncated, at: .byteOffset(9))
        var wrongVersion = valid
        wrongVersion[6] = 4
        expectFailure(wrongVersion, .npy, kind: .unsupported, at: .byteOffset(6), field: "version")
        // Header length larger than the file.
        var longHeader = valid
        longHeader[8] = 0xFF
        longHeader[9] = 0xFF
        expectFailure(longHeader, .npy, kind: .truncated, field: "header_len")
        // Data shorter / longer than the shape needs.
        expectFailure(Array(valid.dropLast()), .npy, kind: .truncated, at: .byteOffset(valid.count - 1), field: "shape")
        expectFailure(valid + [0], .npy, kind: .trailingData, at: .byteOffset(valid.count))
        expectFailure(npy(NpyWriter.header(shape: "(1000000000, 1000000000, 1000000000)")), .npy, kind: .tooLarge, field: "shape")
        expectFailure(npy(NpyWriter.header(shape: "(4611686018427387904,)")), .npy, kind: .truncated, field: "shape")
        expectFailure(npy(NpyWriter.header(shape: "(99999999999999999999,)")), .npy, kind: .badNumber)
        expectFailure(npy(NpyWriter.header(shape: "(-1,)")), .npy, kind: .malformedHeader, field: "shape")
        expectFailure(npy(NpyWriter.header(shape: "[1]")), .npy, kind: .malformedHeader, field: "shape")
        expectFailure(npy(NpyWriter.header(shape: "(1)")), .npy, kind: .malformedHeader, field: "shape")
        expectFailure(npy(NpyWriter.header(shape: "(" + String(repeating: "1, ", count: 40) + ")")), .npy,
                      kind: .tooLarge, field: "shape")
        expectFailure(npy(NpyWriter.header(fortranOrder: "True", shape: "(1,)")), .npy, kind: .unsupported, field: "fortran_order")
        expectFailure(npy(NpyWriter.header(fortranOrder: "1", shape: "(1,)")), .npy, kind: .malformedHeader, field: "fortran_order")
        expectFailure(npy(NpyWriter.header(descr: "<u4", shape: "(1,)")), .npy, kind: .unsupported, field: "descr")
        expectFailure(npy(NpyWriter.header(descr: "|b1", shape: "(1,)")), .npy, kind: .unsupported, field: "descr")
        expectFailure(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), .npy,
                      kind: .unsupported, field: "descr")
        expectFailure(npy("{'fortran_order': False, 'shape': (1,), }"), .npy, kind: .missingField, field: "descr")
        expectFailure(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"), .npy,
                      kind: .malformedHeader, field: "x")
        expectFailure(npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}"), .npy,
                      kind: .malformedHeader, at: .byteOffset(10 + 17), field: "descr")
        // Syntax errors are reported at the byte where they are found.
        expectFailure(npy("{'descr': '<f4' 'fortran_order': False}"), .npy, kind: .malformedHeader, at: .byteOffset(10 + 16))
        expectFailure(npy("{'descr': '<f4, 'fortran_order': False}"), .npy, kind: .malformedHeader)
        expectFailure(npy("{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}"), .npy, kind: .malformedHeader)
        expectFailure(npy("{descr: '<f4'}"), .npy, kind: .malformedHeader, at: .byteOffset(11))
        expectFailure(npy("['descr']"), .npy, kind: .malformedHeader)
        expectFailure(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing"), .npy, kind: .malformedHeader)
        expectFailure(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)"), .npy, kind: .malformedHeader)
        expectFailure(npy("{'descr': '\\q'}"), .npy, kind: .malformedHeader)
        expectFailure(npy(String(repeating: "(", count: 5000)), .npy, kind: .malformedHeader)
        expectFailure(npy(""), .npy, kind: .malformedHeader)
        // A finite float64 that float32 cannot hold is refused rather than turned into infinity.
        var huge: [UInt8] = []
        huge.appendLE(Double(1e300))
        expectFailure(npy(NpyWriter.header(descr: "<f8", shape: "(1,)"), data: huge), .npy, kind: .badValue)
    }
}
