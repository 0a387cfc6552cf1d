import Testing
@testable import QInferInputFormats

@Suite("raw f32")
struct RawF32Tests {
    static func bytes(_ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for value in values { out.appendLE(value) }
        return out
    }

    @Test func roundTrip() {
        let values: [Float] = [0, -1.5, 3.25, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1e-3]
        #expect(tensor(Self.bytes(values), name: "x.f32", shape: [2, 3]) == Tensor(shape: [2, 3], storage: .float32(values)))
        // NaN passes through: a tensor is not a point cloud, the engine decides what NaN means.
        let decoded = tensor(Self.bytes([.nan]), name: "n.F32", shape: [1])
        if case .float32(let v)? = decoded?.storage { #expect(v[0].isNaN) } else { Issue.record("no tensor") }
        // Without a usable extension, a shape means raw float32.
        #expect(tensor(Self.bytes([1, 2]), name: "blob", shape: [2]) == Tensor(shape: [2], storage: .float32([1, 2])))
    }

    @Test func badInputs() {
        let eight = Self.bytes([1, 2])
        expectFailure(eight, .f32, name: "x.f32", kind: .badShape, field: "shape")
        expectFailure(eight, .f32, shape: [], kind: .badShape)
        expectFailure(eight, .f32, shape: [2, 0], kind: .badShape)
        expectFailure(eight, .f32, shape: [-2], kind: .badShape)
        expectFailure(eight, .f32, shape: [Int.max, 3], kind: .badShape)
        expectFailure(eight, .f32, shape: [3], kind: .sizeMismatch, field: "shape")
        expectFailure(eight, .f32, shape: [1], kind: .sizeMismatch)
        expectFailure(eight + [0], .f32, shape: [2], kind: .sizeMismatch, at: .byteOffset(8))
        expectFailure([], .f32, shape: [1], kind: .sizeMismatch)
    }
}
