@testable import QInferModel

/// A small valid point-cloud model: dense stem → sign → binary MLP (threshold) → binary MLP (affine) → max-pool → dense.
enum TinyModel {
    static let points = 16, hidden = 24, wide = 70, classes = 5

    static var metadata: ModelMetadata {
        ModelMetadata(name: "tiny", version: "1", task: .pointCloudClassification,
                      labels: (0..<classes).map { "class\($0)" }, input: InputSignature(name: "points", shape: [points, 3]),
                      preprocessing: Preprocessing(pointCloud: PointCloudPreprocessing(points: points)))
    }

    static func builder() -> QPackBuilder {
        var b = QPackBuilder(metadata: metadata)
        var seed: UInt32 = 7
        func values(_ n: Int) -> [Float] {
            (0..<n).map { _ in seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(Int32(bitPattern: seed) >> 8) / Float(1 << 23) }
        }
        b.addF32("stem.w", shape: [hidden, 3], values(hidden * 3))
        b.addF32("stem.b", shape: [hidden], values(hidden))
        b.addBits("mlp1.w", shape: [wide, hidden], signsOf: values(wide * hidden))
        b.addI32("mlp1.t", shape: [wide], (0..<wide).map { Int32($0 % 5) - 2 })
        b.addI32("mlp1.f", shape: [wide], (0..<wide).map { Int32($0 % 3 == 0 ? 1 : 0) })
        b.addBits("mlp2.w", shape: [hidden, wide], signsOf: values(hidden * wide))
        b.addF32("mlp2.mul", shape: [hidden], values(hidden))
        b.addF32("mlp2.bias", shape: [hidden], values(hidden))
        b.addF32("head.w", shape: [classes, hidden], values(classes * hidden))
        b.addF32("head.b", shape: [classes], values(classes))
        return b
    }

    static let nodes: [Node] = [
        Node(name: "stem", inputs: ["points"], output: "h0", op: .dense(Dense(weights: "stem.w", bias: "stem.b"))),
        Node(name: "sign0", inputs: ["h0"], output: "b0", op: .signPack),
        Node(name: "mlp1", inputs: ["b0"], output: "b1",
             op: .binaryDense(BinaryDense(weights: "mlp1.w", output: .threshold(thresh: "mlp1.t", flip: "mlp1.f")))),
        Node(name: "mlp2", inputs: ["b1"], output: "h2",
             op: .binaryDense(BinaryDense(weights: "mlp2.w", output: .affine(mul: "mlp2.mul", bias: "mlp2.bias")))),
        Node(name: "pool", inputs: ["h2"], output: "g", op: .pointMaxPool(PointMaxPool(offset: -3.2041))),
        Node(name: "head", inputs: ["g"], output: "logits", op: .dense(Dense(weights: "head.w", bias: "head.b"))),
    ]

    static func bytes() throws -> [UInt8] { try builder().build(input: "points", output: "logits", nodes: nodes) }
}

/// Recomputes the checksum after a deliberate corruption, so validation gets past it to the field under test.
func resealed(_ file: [UInt8]) -> [UInt8] {
    var out = file
    let sigStart = out.count - QPackLayout.signatureSize
    let digest = out.withUnsafeBytes { Checksum.digest(of: $0, signature: sigStart..<out.count) }
    out.replaceSubrange(QPackLayout.checksumOffset..<(QPackLayout.checksumOffset + 32), with: digest)
    return out
}

func setU64(_ file: inout [UInt8], at offset: Int, _ value: UInt64) {
    for i in 0..<8 { file[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) }
}

func setU32(_ file: inout [UInt8], at offset: Int, _ value: UInt32) {
    for i in 0..<4 { file[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
}

func u64(_ file: [UInt8], at offset: Int) -> UInt64 {
    (0..<8).reduce(UInt64(0)) { $0 | UInt64(file[offset + $1]) << UInt64(8 * $1) }
}

/// Loads from a copy in memory (the mapping path is covered by the file tests).
func load(_ file: [UInt8]) throws(ModelError) -> PackedModel {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(file.count, 1), alignment: 64)
    buffer.copyMemory(from: file.withUnsafeBytes { $0 })
    let owner = BufferOwner(buffer)
    return try PackedModel(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<file.count]), owner: owner)
}

final class BufferOwner {
    let buffer: UnsafeMutableRawBufferPointer
    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }
    deinit { buffer.deallocate() }
}
