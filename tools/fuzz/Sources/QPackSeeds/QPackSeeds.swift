#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QInferModel
import QPackReseal

/// Writes the seed corpus into the directory given as the only argument. Each seed is a small valid model; between
/// them they use every op, both binary output kinds, both pad values, both tasks and all three channel orders, so
/// the fuzzer starts from inputs that reach every branch of the graph checker instead of having to invent JSON.
/// They stay small (a few KiB) because libFuzzer's speed falls with input size and -max_len caps what it explores.
///
/// `QPackSeeds --reseal <in> <out>` instead writes a fuzzer finding with its checksum made valid, as the harness's
/// second pass loads it: the file that reproduces the finding with any plain load of the reader.
@main
struct QPackSeeds {
    static func main() {
        let args = CommandLine.arguments
        do {
            if args.count == 4 && args[1] == "--reseal" {
                var file = try readFile(args[2])
                file.withUnsafeMutableBytes { _ = resealChecksum($0) }
                try writeFile(file, args[3])
            } else if args.count == 2 && !args[1].hasPrefix("-") {
                try writeSeeds(to: args[1])
            } else {
                fail("usage: QPackSeeds <output-directory> | QPackSeeds --reseal <input> <output>", status: 2)
            }
        } catch {
            fail("QPackSeeds: \(error)", status: 1)
        }
    }

    static func writeSeeds(to dir: String) throws {
        let pointMLP = try pointCloudMLP()
        let imageNet = try grayResidualNet()
        try save(pointMLP, "pointcloud-mlp.qpack", to: dir)
        try save(try pointCloudVector(), "pointcloud-vector.qpack", to: dir)
        try save(imageNet, "image-gray-residual.qpack", to: dir)
        try save(try colourNet(order: .bgr), "image-bgr.qpack", to: dir)
        try save(try colourNet(order: .rgb), "image-rgb.qpack", to: dir)
        try save(signed(pointMLP), "pointcloud-mlp-signed.qpack", to: dir)
        try save(tableReversed(imageNet), "image-gray-table-reversed.qpack", to: dir)
    }

    /// Straight to fd 2: Swift 6 refuses the C `stderr` global as shared mutable state.
    static func fail(_ message: String, status: Int32) -> Never {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(status)
    }

    static func save(_ bytes: [UInt8], _ name: String, to dir: String) throws {
        // The reader must accept every seed, or the corpus would start from dead ends.
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: QPackLayout.alignment)
        defer { copy.deallocate() }
        copy.copyMemory(from: bytes.withUnsafeBytes { $0 })
        _ = try PackedModel(bytes: UnsafeRawBufferPointer(copy), owner: nil)
        try writeFile(bytes, "\(dir)/\(name)")
    }

    static func writeFile(_ bytes: [UInt8], _ path: String) throws {
        guard let f = fopen(path, "wb") else { throw SeedError("cannot create \(path)") }
        defer { fclose(f) }
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, f) }) == bytes.count else {
            throw SeedError("cannot write \(path)")
        }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw SeedError("cannot open \(path)") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            bytes.append(contentsOf: chunk[0..<n])
            if n < chunk.count { break }
        }
        guard ferror(f) == 0 else { throw SeedError("cannot read \(path)") }
        return bytes
    }

    /// A signing tool fills the signature in place without touching the checksum; the fuzzer should see that too.
    static func signed(_ file: [UInt8]) -> [UInt8] {
        var out = file
        for i in (out.count - QPackLayout.signatureSize)..<out.count { out[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
        return out
    }

    /// The format allows table entries in any order; the writer always uses one, so this seed covers the others.
    static func tableReversed(_ file: [UInt8]) -> [UInt8] {
        var out = file
        let count = Int(out[24]) | Int(out[25]) << 8
        let table = QPackLayout.headerSize, size = QPackLayout.sectionEntrySize
        for i in 0..<count {
            let j = count - 1 - i
            out.replaceSubrange((table + j * size)..<(table + (j + 1) * size), with: file[(table + i * size)..<(table + (i + 1) * size)])
        }
        out.withUnsafeMutableBytes { _ = resealChecksum($0) }
        return out
    }
}

struct SeedError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Fixed pseudo-random weights: seeds must be identical from run to run so a corpus stays comparable.
struct Weights {
    var state: UInt32
    mutating func next() -> Float {
        state = state &* 747_796_405 &+ 2_891_336_453
        return Float(Int32(bitPattern: state ^ (state >> 13)) >> 7) / Float(1 << 24)
    }
    mutating func f32(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    mutating func positive(_ n: Int) -> [Float] { (0..<n).map { _ in abs(next()) + 0.05 } }
}

func node(_ name: String, _ inputs: [String], _ output: String, _ op: Op) -> Node {
    Node(name: name, inputs: inputs, output: output, op: op)
}

/// Point cloud, per-point binary MLP with more than 64 input bits and more than 8 channels per layer (several
/// words per row, several panels), threshold then affine outputs, BiPointNet's pooling offset.
func pointCloudMLP() throws(ModelError) -> [UInt8] {
    let points = 12, stem = 20, wide = 72, deep = 130, classes = 4
    let meta = ModelMetadata(name: "seed-pointcloud-mlp", version: "1", task: .pointCloudClassification,
                             labels: (0..<classes).map { "part\($0)" }, input: InputSignature(name: "points", shape: [points, 3]),
                             preprocessing: Preprocessing(pointCloud: PointCloudPreprocessing(points: points)),
                             description: "fuzz seed", producer: "QPackSeeds")
    var b = QPackBuilder(metadata: meta)
    var w = Weights(state: 1)
    b.addF32("stem.w", shape: [stem, 3], w.f32(stem * 3))
    b.addF32("stem.b", shape: [stem], w.f32(stem))
    b.addBits("mlp1.w", shape: [wide, stem], signsOf: w.f32(wide * stem))
    b.addI32("mlp1.thresh", shape: [wide], (0..<wide).map { Int32($0 % 7) - 3 })
    b.addI32("mlp1.flip", shape: [wide], (0..<wide).map { Int32($0 % 2) })
    b.addBits("mlp2.w", shape: [deep, wide], signsOf: w.f32(deep * wide))
    b.addF32("mlp2.mul", shape: [deep], w.f32(deep))
    b.addF32("mlp2.bias", shape: [deep], w.f32(deep))
    b.addF32("head.w", shape: [classes, deep], w.f32(classes * deep))
    b.addF32("head.b", shape: [classes], w.f32(classes))
    return try b.build(input: "points", output: "logits", nodes: [
        node("stem", ["points"], "h0", .dense(Dense(weights: "stem.w", bias: "stem.b"))),
        node("sign", ["h0"], "b0", .signPack),
        node("mlp1", ["b0"], "b1", .binaryDense(BinaryDense(weights: "mlp1.w", output: .threshold(thresh: "mlp1.thresh", flip: "mlp1.flip")))),
        node("mlp2", ["b1"], "h2", .binaryDense(BinaryDense(weights: "mlp2.w", output: .affine(mul: "mlp2.mul", bias: "mlp2.bias")))),
        node("clip", ["h2"], "h3", .hardtanh(Clip(min: -1, max: 1))),
        node("pool", ["h3"], "g", .pointMaxPool(PointMaxPool(offset: -2.5))),
        node("head", ["g"], "logits", .dense(Dense(weights: "head.w", bias: "head.b"))),
    ])
}

/// Point cloud without normalization: average pooling over points, a binary layer on a plain vector, softmax.
func pointCloudVector() throws(ModelError) -> [UInt8] {
    let points = 8, c = 16, classes = 3
    let meta = ModelMetadata(name: "seed-pointcloud-vector", version: "2", task: .pointCloudClassification,
                             labels: ["a", "b", "c"], input: InputSignature(name: "xyz", shape: [points, 3]),
                             preprocessing: Preprocessing(pointCloud: PointCloudPreprocessing(points: points, normalization: .none)))
    var b = QPackBuilder(metadata: meta)
    var w = Weights(state: 2)
    b.addF32("lift.w", shape: [c, 3], w.f32(c * 3))
    b.addF32("bn.mul", shape: [c], w.positive(c))
    b.addF32("bn.add", shape: [c], w.f32(c))
    b.addBits("fc.w", shape: [classes, c], signsOf: w.f32(classes * c))
    b.addF32("fc.mul", shape: [classes], w.f32(classes))
    b.addF32("fc.bias", shape: [classes], w.f32(classes))
    return try b.build(input: "xyz", output: "probs", nodes: [
        node("lift", ["xyz"], "h0", .dense(Dense(weights: "lift.w", bias: nil))),
        node("relu", ["h0"], "h1", .relu),
        node("avg", ["h1"], "g", .globalAvgPool),
        node("bn", ["g"], "g1", .affine(Affine(mul: "bn.mul", add: "bn.add"))),
        node("sign", ["g1"], "gb", .signPack),
        node("fc", ["gb"], "s", .binaryDense(BinaryDense(weights: "fc.w", output: .affine(mul: "fc.mul", bias: "fc.bias")))),
        node("softmax", ["s"], "probs", .softmax),
    ])
}

/// Gray frames, a ResNet-like block: float stem, binary convolutions with zero and one padding and both outputs,
/// an option-A shortcut and a residual add, both 2-D pools, flatten, a binary classifier on a vector, scale.
func grayResidualNet() throws(ModelError) -> [UInt8] {
    let side = 8, c0 = 8, c1 = 16, c2 = 12, classes = 5
    let meta = ModelMetadata(name: "seed-image-gray", version: "1", task: .imageClassification,
                             labels: (0..<classes).map { "digit\($0)" }, input: InputSignature(name: "image", shape: [side, side, 1]),
                             preprocessing: Preprocessing(frame: FramePreprocessing(width: side, height: side, channelOrder: .gray,
                                                                                    mean: [0.25], std: [0.5])))
    var b = QPackBuilder(metadata: meta)
    var w = Weights(state: 3)
    b.addF32("stem.w", shape: [c0, 3, 3, 1], w.f32(c0 * 9))
    b.addF32("stem.b", shape: [c0], w.f32(c0))
    b.addF32("bn0.mul", shape: [c0], w.positive(c0))
    b.addF32("bn0.add", shape: [c0], w.f32(c0))
    b.addBits("conv1.w", shape: [c1, 3, 3, c0], signsOf: w.f32(c1 * 9 * c0))
    b.addI32("conv1.thresh", shape: [c1], (0..<c1).map { Int32($0) - 8 })
    b.addI32("conv1.flip", shape: [c1], (0..<c1).map { Int32($0 % 3 == 0 ? 1 : 0) })
    b.addBits("conv2.w", shape: [c2, 3, 3, c1], signsOf: w.f32(c2 * 9 * c1))
    b.addF32("conv2.mul", shape: [c2], w.f32(c2))
    b.addF32("conv2.bias", shape: [c2], w.f32(c2))
    let flat = 2 * 2 * c2
    b.addBits("fc.w", shape: [classes, flat], signsOf: w.f32(classes * flat))
    b.addF32("fc.mul", shape: [classes], w.f32(classes))
    b.addF32("fc.bias", shape: [classes], w.f32(classes))
    return try b.build(input: "image", output: "logits", nodes: [
        node("stem", ["image"], "s0", .conv2d(Conv2D(weights: "stem.w", bias: "stem.b", stride: 1, pad: .same(1)))),
        node("bn0", ["s0"], "a0", .affine(Affine(mul: "bn0.mul", add: "bn0.add"))),
        node("sign0", ["a0"], "b0", .signPack),
        node("conv1", ["b0"], "b1", .binaryConv2d(BinaryConv2D(weights: "conv1.w", stride: 1, pad: .same(1), padValue: .zero,
                                                               output: .threshold(thresh: "conv1.thresh", flip: "conv1.flip")))),
        node("conv2", ["b1"], "h2", .binaryConv2d(BinaryConv2D(weights: "conv2.w", stride: 2, pad: .same(1), padValue: .one,
                                                               output: .affine(mul: "conv2.mul", bias: "conv2.bias")))),
        node("short", ["a0"], "sc", .shortcutA(ShortcutA(stride: 2, outChannels: c2))),
        node("res", ["h2", "sc"], "r", .add),
        node("clip", ["r"], "r1", .hardtanh(Clip(min: -1.5, max: 1.5))),
        node("maxpool", ["r1"], "p1", .maxPool2d(Pool2D(kernel: 3, stride: 1, pad: .same(1)))),
        node("avgpool", ["p1"], "p2", .avgPool2d(Pool2D(kernel: 2, stride: 2, pad: .same(0), countIncludePad: true))),
        node("relu", ["p2"], "p3", .relu),
        node("flat", ["p3"], "f", .flatten),
        node("signf", ["f"], "fb", .signPack),
        node("fc", ["fb"], "z", .binaryDense(BinaryDense(weights: "fc.w", output: .affine(mul: "fc.mul", bias: "fc.bias")))),
        node("temp", ["z"], "logits", .scale(Scale(value: 0.5))),
    ])
}

/// Three-channel frames, not square, asymmetric padding, more than 64 binary output channels in one layer, global
/// average pooling over a frame, a float head without bias.
func colourNet(order: FramePreprocessing.ChannelOrder) throws(ModelError) -> [UInt8] {
    let h = 6, wd = 5, c0 = 4, c1 = 70, c2 = 8, classes = 3
    let meta = ModelMetadata(name: "seed-image-\(order.rawValue)", version: "0.1", task: .imageClassification,
                             labels: ["red", "green", "blue"], input: InputSignature(name: "frame", shape: [h, wd, 3]),
                             preprocessing: Preprocessing(frame: FramePreprocessing(width: wd, height: h, channelOrder: order,
                                                                                    mean: [0.485, 0.456, 0.406],
                                                                                    std: [0.229, 0.224, 0.225])))
    var b = QPackBuilder(metadata: meta)
    var w = Weights(state: order == .rgb ? 4 : 5)
    b.addF32("stem.w", shape: [c0, 3, 3, 3], w.f32(c0 * 27))
    b.addBits("conv1.w", shape: [c1, 1, 1, c0], signsOf: w.f32(c1 * c0))
    b.addI32("conv1.thresh", shape: [c1], (0..<c1).map { Int32($0 % 5) - 2 })
    b.addI32("conv1.flip", shape: [c1], (0..<c1).map { Int32($0 % 4 == 1 ? 1 : 0) })
    b.addBits("conv2.w", shape: [c2, 2, 2, c1], signsOf: w.f32(c2 * 4 * c1))
    b.addF32("conv2.mul", shape: [c2], w.f32(c2))
    b.addF32("conv2.bias", shape: [c2], w.f32(c2))
    b.addF32("head.w", shape: [classes, c2], w.f32(classes * c2))
    return try b.build(input: "frame", output: "scores", nodes: [
        node("stem", ["frame"], "s0", .conv2d(Conv2D(weights: "stem.w", bias: nil, stride: 1, pad: .same(0)))),
        node("sign0", ["s0"], "b0", .signPack),
        node("conv1", ["b0"], "b1", .binaryConv2d(BinaryConv2D(weights: "conv1.w", stride: 1, pad: .same(0), padValue: .one,
                                                               output: .threshold(thresh: "conv1.thresh", flip: "conv1.flip")))),
        node("conv2", ["b1"], "h2", .binaryConv2d(BinaryConv2D(weights: "conv2.w", stride: 1,
                                                               pad: Padding2D(top: 0, left: 0, bottom: 1, right: 1), padValue: .zero,
                                                               output: .affine(mul: "conv2.mul", bias: "conv2.bias")))),
        node("gap", ["h2"], "g", .globalAvgPool),
        node("head", ["g"], "scores", .dense(Dense(weights: "head.w", bias: nil))),
    ])
}
