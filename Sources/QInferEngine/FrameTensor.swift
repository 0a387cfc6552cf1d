import QInferInputFormats
import QInferModel

/// A frame given as a u8 tensor, in the layouts image tools hold pixels in: [H, W] (gray), [H, W, C] (PNG decoders,
/// OpenCV, PIL) or channels first [C, H, W] (PyTorch, and the [1, C, H, W] an image model's ONNX export takes), with
/// C 1 (gray) or 3 (RGB); leading axes of 1 (a batch of one) may precede the last three. The element count alone
/// cannot tell these apart, so the shape decides and a shape no layout reads is refused by name. A preprocessed f32
/// frame is taken in the same layouts at exactly the model's input size.
struct FrameTensor {
    /// How a shape's axes are read. `chw` is rearranged to the interleaved order the preprocessor takes.
    enum Layout: Equatable {
        case hw(height: Int, width: Int)
        case hwc(height: Int, width: Int, channels: Int)
        case chw(channels: Int, height: Int, width: Int)
    }

    let metadata: ModelMetadata
    let frame: FramePreprocessing

    /// The layout of `shape`, or nil when no layout reads it. A shape both [H, W, C] and [C, H, W] read (channels-sized
    /// axes at both ends, as [3, 28, 3] or [1, 28, 1]) is channels first only when that reading, and not the other, is
    /// the model's own frame size; otherwise [H, W, C], which is how such frames were read before channels first was.
    static func layout(of shape: [Int], frameWidth: Int, frameHeight: Int) -> Layout? {
        guard shape.allSatisfy({ $0 >= 1 }) else { return nil }
        if shape.count == 2 { return .hw(height: shape[0], width: shape[1]) }
        let s = shape.droppingLeadingOnes(keepingRank: 3)
        guard s.count == 3 else { return nil }
        let isChannels: (Int) -> Bool = { $0 == 1 || $0 == 3 }
        let hwc = Layout.hwc(height: s[0], width: s[1], channels: s[2]), chw = Layout.chw(channels: s[0], height: s[1], width: s[2])
        switch (isChannels(s[2]), isChannels(s[0])) {
        case (true, false): return hwc
        case (false, true): return chw
        case (false, false): return nil
        case (true, true):
            let hwcFits = s[0] == frameHeight && s[1] == frameWidth, chwFits = s[1] == frameHeight && s[2] == frameWidth
            return chwFits && !hwcFits ? chw : hwc
        }
    }

    /// The frame `bytes` (the tensor's values) hold, interleaved as an image file's.
    func frame(of shape: [Int], _ bytes: [UInt8]) throws(EngineError) -> Frame {
        guard shape.checkedElementCount == bytes.count,
              let layout = Self.layout(of: shape, frameWidth: frame.width, frameHeight: frame.height) else {
            throw EngineError(Self.refusal(metadata: metadata, frame: frame, given: "\(shape) u8"))
        }
        switch layout {
        case .hw(let h, let w):
            return Frame(width: w, height: h, channels: 1, pixels: bytes)
        case .hwc(let h, let w, let c):
            return Frame(width: w, height: h, channels: c, pixels: bytes)
        case .chw(let c, let h, let w):
            // One channel first or last is the same sequence of bytes; three are interleaved.
            let interleaved = c == 1 ? bytes : Transpose.apply(bytes, shape: [c, h, w], axisOrder: [1, 2, 0])
            return Frame(width: w, height: h, channels: c, pixels: interleaved)
        }
    }

    /// A preprocessed f32 frame of exactly the graph's [H, W, C] input in another layout a frame may take ([H, W] for
    /// gray, channels first [C, H, W], a batch of one before either), interleaved; nil when it is none of those. Files
    /// packed before the ONNX layout was recorded (the shipped IR-Net) so still take the [1, C, H, W] their ONNX twin does.
    static func preprocessed(_ values: [Float], shape: [Int], input: [Int]) -> [Float]? {
        guard input.count == 3, shape.checkedElementCount == values.count else { return nil }
        let h = input[0], w = input[1], c = input[2]
        switch layout(of: shape, frameWidth: w, frameHeight: h) {
        case .hw(let y, let x)? where y == h && x == w && c == 1:
            return values
        case .hwc(let y, let x, let k)? where y == h && x == w && k == c:
            return values
        case .chw(let k, let y, let x)? where y == h && x == w && k == c:
            return c == 1 ? values : Transpose.apply(values, shape: [c, h, w], axisOrder: [1, 2, 0])
        default:
            return nil
        }
    }

    /// What an image model takes, with this model's sizes, and what it was given ("[1, 28, 28, 5] u8").
    static func refusal(metadata: ModelMetadata, frame: FramePreprocessing, given: String) -> String {
        let h = frame.height, w = frame.width, c = frame.channels
        var examples = ["[\(h), \(w), \(c)]", "[\(c), \(h), \(w)]", "[1, \(c), \(h), \(w)]"]
        if c == 1 { examples.insert("[\(h), \(w)]", at: 0) }
        let tensor: String
        if let onnx = metadata.onnxInput, !onnx.isIdentity {
            tensor = "\(metadata.input.shape) or, in the ONNX model's layout, \(onnx.shape)"
        } else {
            tensor = "\(metadata.input.shape)"
        }
        return "an image model takes a u8 frame as [H, W], [H, W, C] or channels first [C, H, W] (C 1 for gray or 3 for RGB; "
            + "a batch axis of 1 may lead), of any size, resized to this model's \(w)×\(h) (e.g. "
            + examples.joined(separator: ", ") + "), or a preprocessed f32 tensor of exactly that size in those layouts or of "
            + "shape \(tensor); got \(given)"
    }
}
