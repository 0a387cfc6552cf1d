import QInferKernels
import QInferModel
import QInferRandom

extension SplitMix64 {
    /// n uniform values in lo ..< hi: weights, biases and inputs of the random models.
    public mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in float(lo...hi) }
    }
}

/// Builds random but well-formed graphs of both model families and writes them as .qpack bytes.
struct RandomModelBuilder {
    var rng: SplitMix64
    var b: QPackBuilder
    var nodes: [Node] = []
    private var counter = 0

    init(seed: UInt64, metadata: ModelMetadata) {
        rng = SplitMix64(seed: seed)
        b = QPackBuilder(metadata: metadata)
    }

    mutating func name(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)\(counter)"
    }

    mutating func node(_ op: Op, _ inputs: [String]) -> String {
        let out = name("v")
        nodes.append(Node(name: name("n"), inputs: inputs, output: out, op: op))
        return out
    }

    /// A folded BatchNorm: positive and negative scales, biases that put the sign change inside the range.
    mutating func affineOutput(channels n: Int, k: Int) -> BinaryOutput {
        let mul = name("mul"), bias = name("bias")
        b.addF32(mul, shape: [n], (0..<n).map { i in (i % 5 == 1 ? -1 : 1) * rng.float(0.01...0.2) })
        b.addF32(bias, shape: [n], rng.floats(n, -0.5 * Float(k).squareRoot(), 0.5 * Float(k).squareRoot()))
        return .affine(mul: mul, bias: bias)
    }

    /// Thresholds derived from a random BatchNorm exactly as a converter would (negative scales flip).
    mutating func thresholdOutput(channels n: Int, k: Int) -> BinaryOutput {
        var thresh: [Int32] = [], flip: [Int32] = []
        for i in 0..<n {
            let mul = (i % 4 == 2 ? -1 : 1) * rng.float(0.05...1), bias = rng.float(-1...1) * Float(k).squareRoot()
            var t: Int32 = 0, f: Int32 = 0
            qk_threshold_from_affine(mul, bias, Int32(k), &t, &f)
            thresh.append(t); flip.append(f)
        }
        let tn = name("thresh"), fn = name("flip")
        b.addI32(tn, shape: [n], thresh)
        b.addI32(fn, shape: [n], flip)
        return .threshold(thresh: tn, flip: fn)
    }

    mutating func dense(_ x: String, k: Int, n: Int) -> String {
        let w = name("w"), bias = name("b")
        b.addF32(w, shape: [n, k], rng.floats(n * k, -0.5, 0.5))
        b.addF32(bias, shape: [n], rng.floats(n, -0.1, 0.1))
        return node(.dense(Dense(weights: w, bias: bias)), [x])
    }

    mutating func batchNorm(_ x: String, c: Int) -> String {
        let mul = name("bnm"), add = name("bna")
        b.addF32(mul, shape: [c], rng.floats(c, 0.5, 1.5))
        b.addF32(add, shape: [c], rng.floats(c, -0.2, 0.2))
        return node(.affine(Affine(mul: mul, add: add)), [x])
    }

    mutating func binaryDense(_ x: String, k: Int, n: Int, bitsOut: Bool) -> String {
        let w = name("bw")
        b.addBits(w, shape: [n, k], signsOf: rng.floats(n * k))
        let out = bitsOut ? thresholdOutput(channels: n, k: k) : affineOutput(channels: n, k: k)
        return node(.binaryDense(BinaryDense(weights: w, output: out)), [x])
    }

    mutating func binaryConv(_ x: String, c: Int, n: Int, kernel: Int = 3, stride: Int, padValue: BinaryConv2D.PadValue,
                             bitsOut: Bool) -> String {
        let w = name("cw"), taps = kernel * kernel
        b.addBits(w, shape: [n, kernel, kernel, c], signsOf: rng.floats(n * taps * c))
        let out = bitsOut ? thresholdOutput(channels: n, k: taps * c) : affineOutput(channels: n, k: taps * c)
        return node(.binaryConv2d(BinaryConv2D(weights: w, stride: stride, pad: .same(kernel / 2), padValue: padValue, output: out)), [x])
    }

    mutating func build(input: String, output: String) throws -> [UInt8] { try b.build(input: input, output: output, nodes: nodes) }
}

/// A BiPointNet-like classifier: FP32 first layer, binary shared MLPs (threshold and affine outputs, LSR as a
/// scale), EMA max-pool, FP32 classifier. `maxRightAfterBinary`: the last binary layer feeds the max-pool directly
/// (no scale or clip between, as in the shipped BiPointNet once LSR and BatchNorm are folded), which the engine
/// runs as one fused step. `foldedFirstLayer`: the first layer's BatchNorm folded into it (dense → sign-pack, as
/// shipped), which the engine runs as one dense step with a sign-pack output stage.
public func randomPointNet(seed: UInt64, points: Int, widths: [Int], classes: Int, maxRightAfterBinary: Bool = false,
                           foldedFirstLayer: Bool = false) throws -> [UInt8] {
    let meta = ModelMetadata(name: "pointnet-\(seed)", version: "1", task: .pointCloudClassification,
                             labels: (0..<classes).map { "c\($0)" }, input: InputSignature(name: "points", shape: [points, 3]),
                             preprocessing: Preprocessing(pointCloud: PointCloudPreprocessing(points: points)))
    var m = RandomModelBuilder(seed: seed, metadata: meta)
    var x = m.dense("points", k: 3, n: widths[0])
    if !foldedFirstLayer { x = m.batchNorm(x, c: widths[0]) }
    x = m.node(.signPack, [x])
    for i in 1..<widths.count {
        let last = i == widths.count - 1
        x = m.binaryDense(x, k: widths[i - 1], n: widths[i], bitsOut: !last)
    }
    if !maxRightAfterBinary {
        x = m.node(.scale(Scale(value: 0.7)), [x])          // LSR
        x = m.node(.hardtanh(Clip(min: -1.5, max: 1.5)), [x])
    }
    x = m.node(.pointMaxPool(PointMaxPool(offset: -3.2041)), [x])
    x = m.dense(x, k: widths.last!, n: classes)
    return try m.build(input: "points", output: x)
}

/// An IR-Net-like ResNet: FP32 stem, residual blocks of binary 3×3 convs (zero padding, option-A shortcut on
/// stride 2), a bits→bits chained conv, pooling, FP32 classifier, softmax. `stemClip`: the stem's BatchNorm folded
/// and a hardtanh after it (as the shipped IR-Net), so the stem runs with a clamp and sign-pack output stage.
public func randomResNet(seed: UInt64, size: Int, inChannels: Int, widths: [Int], classes: Int, padValue: BinaryConv2D.PadValue,
                         stemClip: Bool = false) throws -> [UInt8] {
    let meta = ModelMetadata(name: "resnet-\(seed)", version: "1", task: .imageClassification,
                             labels: (0..<classes).map { "c\($0)" }, input: InputSignature(name: "image", shape: [size, size, inChannels]),
                             preprocessing: Preprocessing(frame: FramePreprocessing(width: size, height: size,
                                                                                    channelOrder: inChannels == 1 ? .gray : .rgb,
                                                                                    mean: [Float](repeating: 0.5, count: inChannels),
                                                                                    std: [Float](repeating: 0.25, count: inChannels))))
    var m = RandomModelBuilder(seed: seed, metadata: meta)
    let stemW = m.name("stem")
    m.b.addF32(stemW, shape: [widths[0], 3, 3, inChannels], m.rng.floats(widths[0] * 9 * inChannels, -0.5, 0.5))
    var x = m.node(.conv2d(Conv2D(weights: stemW, bias: nil, stride: 1, pad: .same(1))), ["image"])
    if stemClip {
        x = m.node(.hardtanh(Clip(min: -1, max: 1)), [x])
    } else {
        x = m.batchNorm(x, c: widths[0])
        x = m.node(.relu, [x])
    }
    var c = widths[0], side = size
    for (i, width) in widths.enumerated() {
        let stride = i > 0 && width != c ? 2 : 1
        let s = m.node(.signPack, [x])
        var y = m.binaryConv(s, c: c, n: width, stride: stride, padValue: padValue, bitsOut: false)
        // Option A where the channel count doubles, a binary 1×1 downsample conv otherwise (odd widths).
        let shortcut: String
        if stride == 1 && width == c {
            shortcut = x
        } else if width == 2 * c {
            shortcut = m.node(.shortcutA(ShortcutA(stride: stride, outChannels: width)), [x])
        } else {
            shortcut = m.binaryConv(s, c: c, n: width, kernel: 1, stride: stride, padValue: padValue, bitsOut: false)
        }
        y = m.node(.add, [y, shortcut])
        x = m.node(.hardtanh(Clip(min: -1, max: 1)), [y])
        side = (side + 2 - 3) / stride + 1
        c = width
    }
    // A chained pair: threshold output feeds the next binary conv directly.
    var bits = m.node(.signPack, [x])
    bits = m.binaryConv(bits, c: c, n: c + 3, stride: 1, padValue: padValue, bitsOut: true)
    x = m.binaryConv(bits, c: c + 3, n: c, stride: 1, padValue: padValue, bitsOut: false)
    if side >= 3 { x = m.node(.maxPool2d(Pool2D(kernel: 3, stride: 1, pad: .same(1))), [x]) }
    if side >= 2 { x = m.node(.avgPool2d(Pool2D(kernel: 2, stride: 1, pad: Padding2D(top: 0, left: 0, bottom: 1, right: 1), countIncludePad: seed % 2 == 0)), [x]) }
    x = m.node(.globalAvgPool, [x])
    x = m.dense(x, k: c, n: classes)
    x = m.node(.flatten, [x])
    x = m.node(.softmax, [x])
    return try m.build(input: "image", output: x)
}
