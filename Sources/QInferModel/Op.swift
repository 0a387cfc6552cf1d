/// The operations of a graph and their typed attributes. Tensor-valued attributes name entries of `Graph.tensors`.
public enum Op: Sendable, Equatable {
    /// f32 [h, w, ic] → [oh, ow, oc]; zero padding; weights f32 [oc, kh, kw, ic], bias f32 [oc].
    case conv2d(Conv2D)
    /// f32 [.., k] → [.., n] row by row; weights f32 [n, k], bias f32 [n].
    case dense(Dense)
    /// f32 [.., c] → bits [.., c]: bit = x < 0 (sign, with sign(0) = +1).
    case signPack
    /// bits [m, k] → [m, n]; weights bits [n, k]. Per-point shared MLP layers and binary dense layers.
    case binaryDense(BinaryDense)
    /// bits [h, w, c] → [oh, ow, n]; weights bits [n, kh, kw, c].
    case binaryConv2d(BinaryConv2D)
    /// f32: x·mul + add, with mul and add of one shape that is a suffix of the input's shape (per channel: [c]) or [1]
    /// (a folded BatchNorm, or arithmetic with a constant).
    case affine(Affine)
    /// f32: x·value (Layer-wise Scale Recovery when not folded).
    case scale(Scale)
    /// f32: clamp to [min, max].
    case hardtanh(Clip)
    case relu
    /// f32 [n, c] → [c]: max over the points, plus `offset` (BiPointNet's entropy-maximizing aggregation).
    case pointMaxPool(PointMaxPool)
    /// f32 [h, w, c] → [oh, ow, c]; padded pixels never win.
    case maxPool2d(Pool2D)
    /// f32 [h, w, c] → [oh, ow, c].
    case avgPool2d(Pool2D)
    /// f32 [h, w, c] → [c], or [n, c] → [c].
    case globalAvgPool
    /// f32 + f32 of the same shape (residual).
    case add
    /// f32 [h, w, c] → [⌈h/s⌉, ⌈w/s⌉, outChannels]: ResNet option-A shortcut, subsample, then ⌊(oc−c)/2⌋ zero
    /// channels before and the rest after.
    case shortcutA(ShortcutA)
    /// any → [product of the shape].
    case flatten
    /// f32 [c] → [c].
    case softmax
    /// f32 → f32: −1, 0 or +1 (ONNX Sign; a Sign that feeds no binary layer).
    case sign
    /// f32 → f32 of `shape` (same element count, same memory order).
    case reshape(Reshape)
    /// f32 values of one rank, equal but along `axis` → their concatenation along it.
    case concat(Concat)

    public enum Kind: String, Sendable, CaseIterable {
        case conv2d = "conv2d", dense = "dense", signPack = "sign_pack", binaryDense = "binary_dense"
        case binaryConv2d = "binary_conv2d", affine = "affine", scale = "scale", hardtanh = "hardtanh", relu = "relu"
        case pointMaxPool = "point_max_pool", maxPool2d = "max_pool2d", avgPool2d = "avg_pool2d"
        case globalAvgPool = "global_avg_pool", add = "add", shortcutA = "shortcut_a", flatten = "flatten"
        case softmax = "softmax", sign = "sign", reshape = "reshape", concat = "concat"
    }

    public var kind: Kind {
        switch self {
        case .conv2d: .conv2d
        case .dense: .dense
        case .signPack: .signPack
        case .binaryDense: .binaryDense
        case .binaryConv2d: .binaryConv2d
        case .affine: .affine
        case .scale: .scale
        case .hardtanh: .hardtanh
        case .relu: .relu
        case .pointMaxPool: .pointMaxPool
        case .maxPool2d: .maxPool2d
        case .avgPool2d: .avgPool2d
        case .globalAvgPool: .globalAvgPool
        case .add: .add
        case .shortcutA: .shortcutA
        case .flatten: .flatten
        case .softmax: .softmax
        case .sign: .sign
        case .reshape: .reshape
        case .concat: .concat
        }
    }

    /// Number of value inputs the op reads.
    public var arity: Int {
        switch self {
        case .add: 2
        case .concat(let c): c.inputs
        default: 1
        }
    }

    static func decode<K: CodingKey>(_ kind: Kind, from c: KeyedDecodingContainer<K>, key: K) throws -> Op {
        switch kind {
        case .conv2d: return .conv2d(try c.decode(Conv2D.self, forKey: key))
        case .dense: return .dense(try c.decode(Dense.self, forKey: key))
        case .signPack: return .signPack
        case .binaryDense: return .binaryDense(try c.decode(BinaryDense.self, forKey: key))
        case .binaryConv2d: return .binaryConv2d(try c.decode(BinaryConv2D.self, forKey: key))
        case .affine: return .affine(try c.decode(Affine.self, forKey: key))
        case .scale: return .scale(try c.decode(Scale.self, forKey: key))
        case .hardtanh: return .hardtanh(try c.decode(Clip.self, forKey: key))
        case .relu: return .relu
        case .pointMaxPool: return .pointMaxPool(try c.decode(PointMaxPool.self, forKey: key))
        case .maxPool2d: return .maxPool2d(try c.decode(Pool2D.self, forKey: key))
        case .avgPool2d: return .avgPool2d(try c.decode(Pool2D.self, forKey: key))
        case .globalAvgPool: return .globalAvgPool
        case .add: return .add
        case .shortcutA: return .shortcutA(try c.decode(ShortcutA.self, forKey: key))
        case .flatten: return .flatten
        case .softmax: return .softmax
        case .sign: return .sign
        case .reshape: return .reshape(try c.decode(Reshape.self, forKey: key))
        case .concat: return .concat(try c.decode(Concat.self, forKey: key))
        }
    }

    func encodeAttributes<K: CodingKey>(to c: inout KeyedEncodingContainer<K>, key: K) throws {
        switch self {
        case .conv2d(let a): try c.encode(a, forKey: key)
        case .dense(let a): try c.encode(a, forKey: key)
        case .binaryDense(let a): try c.encode(a, forKey: key)
        case .binaryConv2d(let a): try c.encode(a, forKey: key)
        case .affine(let a): try c.encode(a, forKey: key)
        case .scale(let a): try c.encode(a, forKey: key)
        case .hardtanh(let a): try c.encode(a, forKey: key)
        case .pointMaxPool(let a): try c.encode(a, forKey: key)
        case .maxPool2d(let a), .avgPool2d(let a): try c.encode(a, forKey: key)
        case .shortcutA(let a): try c.encode(a, forKey: key)
        case .reshape(let a): try c.encode(a, forKey: key)
        case .concat(let a): try c.encode(a, forKey: key)
        case .signPack, .relu, .globalAvgPool, .add, .flatten, .softmax, .sign: break
        }
    }
}

/// Padding amounts of a 2-D window op.
public struct Padding2D: Codable, Sendable, Equatable {
    public var top: Int, left: Int, bottom: Int, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    public static func same(_ p: Int) -> Padding2D { Padding2D(top: p, left: p, bottom: p, right: p) }
}

public struct Conv2D: Codable, Sendable, Equatable {
    public var weights: String
    public var bias: String?
    public var stride: Int
    public var pad: Padding2D

    public init(weights: String, bias: String?, stride: Int, pad: Padding2D) {
        self.weights = weights; self.bias = bias; self.stride = stride; self.pad = pad
    }
}

public struct Dense: Codable, Sendable, Equatable {
    public var weights: String
    public var bias: String?

    public init(weights: String, bias: String?) { self.weights = weights; self.bias = bias }
}

/// What a binary layer writes, from acc = K − 2·popcount (minus the zero-padding correction).
public enum BinaryOutput: Codable, Sendable, Equatable {
    /// f32 value: acc·mul[n] + bias[n] (BatchNorm and the layer's scale folded; f32 tensors [n]).
    case affine(mul: String, bias: String)
    /// bits value: bit = (acc < thresh[n]) XOR flip[n] (i32 tensors [n]; flip is 0 or 1).
    case threshold(thresh: String, flip: String)

    enum CodingKeys: String, CodingKey { case kind, mul, bias, thresh, flip }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "affine": self = .affine(mul: try c.decode(String.self, forKey: .mul), bias: try c.decode(String.self, forKey: .bias))
        case "threshold":
            self = .threshold(thresh: try c.decode(String.self, forKey: .thresh), flip: try c.decode(String.self, forKey: .flip))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown binary output kind '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .affine(let mul, let bias):
            try c.encode("affine", forKey: .kind); try c.encode(mul, forKey: .mul); try c.encode(bias, forKey: .bias)
        case .threshold(let thresh, let flip):
            try c.encode("threshold", forKey: .kind); try c.encode(thresh, forKey: .thresh); try c.encode(flip, forKey: .flip)
        }
    }
}

public struct BinaryDense: Codable, Sendable, Equatable {
    public var weights: String
    public var output: BinaryOutput

    public init(weights: String, output: BinaryOutput) { self.weights = weights; self.output = output }
}

public struct BinaryConv2D: Codable, Sendable, Equatable {
    public enum PadValue: String, Codable, Sendable {
        case zero // PyTorch's padding: exact through a correction
        case one  // padded pixels are +1 (Larq's "one padding")
    }
    public var weights: String
    public var stride: Int
    public var pad: Padding2D
    public var padValue: PadValue
    public var output: BinaryOutput

    enum CodingKeys: String, CodingKey { case weights, stride, pad, padValue = "pad_value", output }

    public init(weights: String, stride: Int, pad: Padding2D, padValue: PadValue, output: BinaryOutput) {
        self.weights = weights; self.stride = stride; self.pad = pad; self.padValue = padValue; self.output = output
    }
}

public struct Affine: Codable, Sendable, Equatable {
    public var mul: String
    public var add: String

    public init(mul: String, add: String) { self.mul = mul; self.add = add }
}

public struct Scale: Codable, Sendable, Equatable {
    public var value: Float

    public init(value: Float) { self.value = value }
}

public struct Clip: Codable, Sendable, Equatable {
    public var min: Float
    public var max: Float

    public init(min: Float, max: Float) { self.min = min; self.max = max }
}

public struct PointMaxPool: Codable, Sendable, Equatable {
    public var offset: Float

    public init(offset: Float) { self.offset = offset }
}

public struct Pool2D: Codable, Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var pad: Padding2D
    /// Average pools only: divide by the full window (PyTorch's default) instead of the in-bounds pixels.
    public var countIncludePad: Bool

    enum CodingKeys: String, CodingKey { case kernel, stride, pad, countIncludePad = "count_include_pad" }

    public init(kernel: Int, stride: Int, pad: Padding2D, countIncludePad: Bool = false) {
        self.kernel = kernel; self.stride = stride; self.pad = pad; self.countIncludePad = countIncludePad
    }
}

public struct ShortcutA: Codable, Sendable, Equatable {
    public var stride: Int
    public var outChannels: Int

    enum CodingKeys: String, CodingKey { case stride, outChannels = "out_channels" }

    public init(stride: Int, outChannels: Int) { self.stride = stride; self.outChannels = outChannels }
}

public struct Reshape: Codable, Sendable, Equatable {
    public var shape: [Int]

    public init(shape: [Int]) { self.shape = shape }
}

extension Op {
    /// The constant tensors the op reads, in a fixed order.
    public var tensorNames: [String] {
        func output(_ o: BinaryOutput) -> [String] {
            switch o {
            case let .affine(mul, bias): [mul, bias]
            case let .threshold(thresh, flip): [thresh, flip]
            }
        }
        switch self {
        case .conv2d(let a): return [a.weights] + (a.bias.map { [$0] } ?? [])
        case .dense(let a): return [a.weights] + (a.bias.map { [$0] } ?? [])
        case .binaryDense(let a): return [a.weights] + output(a.output)
        case .binaryConv2d(let a): return [a.weights] + output(a.output)
        case .affine(let a): return [a.mul, a.add]
        default: return []
        }
    }

    /// Multiply-accumulates of one inference (binary layers: XNOR-popcount bit operations), from the input and
    /// output shapes and the weights' shape.
    public func macs(input: ValueInfo, output: ValueInfo, weights: [Int]?) -> Int {
        guard let w = weights else { return 0 }
        switch self {
        case .conv2d, .binaryConv2d, .dense, .binaryDense:
            // Every output element reads one weight row: all of the weights' axes but the first.
            return output.elementCount * w.dropFirst().reduce(1, *)
        default:
            return 0
        }
    }

    public var isBinary: Bool {
        switch self {
        case .binaryConv2d, .binaryDense: true
        default: false
        }
    }
}

public struct Concat: Codable, Sendable, Equatable {
    public var axis: Int
    /// How many values are joined (2 or more).
    public var inputs: Int

    public init(axis: Int, inputs: Int) { self.axis = axis; self.inputs = inputs }
}
