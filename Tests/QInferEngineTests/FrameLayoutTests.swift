import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferRandom
import Testing

/// Issue 18: a u8 frame channels first ([1, 28, 28], as the IR-Net's ONNX twin takes it) was read as [H, W, C] and
/// refused as "28 channels". An image model takes [H, W], [H, W, C] and channels first [C, H, W], a batch of one
/// before either, with the same answer as the interleaved frame; any other shape is refused naming the layouts, the
/// model's size and the given shape.
@Suite struct FrameLayoutTests {
    static func imageModel(width: Int, height: Int, order: FramePreprocessing.ChannelOrder, onnx: Bool = true) -> InputPreparer {
        let c = order == .gray ? 1 : 3
        let frame = FramePreprocessing(width: width, height: height, channelOrder: order, mean: [Float](repeating: 0.25, count: c),
                                       std: [Float](repeating: 0.5, count: c))
        var m = ModelMetadata(name: "img", version: "1", task: .imageClassification, labels: ["a"],
                              input: InputSignature(name: "x", shape: [height, width, c]), preprocessing: Preprocessing(frame: frame))
        if onnx { m.onnxInput = ONNXInputLayout(shape: [1, c, height, width], axisOrder: [0, 2, 3, 1]) }
        return InputPreparer(metadata: m)
    }

    static func bytes(_ shape: [Int], _ values: [UInt8]) -> DecodedInput { .tensor(Tensor(shape: shape, storage: .uint8(values))) }

    /// [h, w, c] interleaved → [c, h, w], element by element.
    static func channelsFirst<T>(_ hwc: [T], h: Int, w: Int, c: Int) -> [T] {
        var out = hwc
        for y in 0..<h { for x in 0..<w { for k in 0..<c { out[(k * h + y) * w + x] = hwc[(y * w + x) * c + k] } } }
        return out
    }

    static func message(_ body: () throws -> [Float]) -> String {
        do { _ = try body(); return "" } catch let e as EngineError { return e.message } catch { return "\(error)" }
    }

    /// Bit patterns, so that equal means bit-identical (and a NaN would not compare unequal to itself).
    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    @Test("channels first and batch-of-one layouts answer bit-identically to the interleaved frame", arguments: 0..<24)
    func acceptedLayouts(_ seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(1800 + seed))
        let order: FramePreprocessing.ChannelOrder = [.gray, .rgb, .bgr][rng.below(3)]
        // Model sides of 5 or more, so no channels-sized axis of a frame can be the model's size by chance.
        let prep = Self.imageModel(width: rng.int(5...32), height: rng.int(5...32), order: order, onnx: rng.below(2) == 0)
        let c = rng.below(2) == 0 ? 1 : 3
        // Widths of 1 or 3 would make [C, H, W] read as [H, W, C] as well; those are tested on their own below.
        var w = rng.int(2...40)
        while w == 3 { w = rng.int(2...40) }
        let h = rng.int(1...40)
        let hwc = (0..<(h * w * c)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let expected = try prep.prepare(.frame(Frame(width: w, height: h, channels: c, pixels: hwc)))
        let chw = Self.channelsFirst(hwc, h: h, w: w, c: c)
        var given: [([Int], [UInt8])] = [([c, h, w], chw), ([1, c, h, w], chw), ([1, 1, c, h, w], chw), ([1, h, w, c], hwc)]
        // [h, w, c] is itself only unambiguous when h is not a channel count (else the tie rule, tested below, applies).
        if h != 1 && h != 3 { given.append(([h, w, c], hwc)) }
        if c == 1 { given.append(([h, w], hwc)) }
        for (shape, values) in given {
            let out = try prep.prepare(Self.bytes(shape, values))
            #expect(Self.bits(out) == Self.bits(expected), "\(shape) (\(order), \(w)×\(h))")
        }
    }

    @Test("a preprocessed f32 frame of the model's size is taken in the same layouts, with or without a recorded ONNX layout",
          arguments: 0..<12)
    func preprocessedLayouts(_ seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(1850 + seed))
        let order: FramePreprocessing.ChannelOrder = [.gray, .rgb, .bgr][rng.below(3)]
        let c = order == .gray ? 1 : 3
        var w = rng.int(2...24)
        while w == 3 { w = rng.int(2...24) }
        let h = rng.int(4...24)
        let prep = Self.imageModel(width: w, height: h, order: order, onnx: rng.below(2) == 0)
        let hwc = (0..<(h * w * c)).map { _ in rng.float(-2...2) }
        let chw = Self.channelsFirst(hwc, h: h, w: w, c: c)
        var given: [([Int], [Float])] = [([h, w, c], hwc), ([1, h, w, c], hwc), ([c, h, w], chw), ([1, c, h, w], chw)]
        if c == 1 { given.append(([h, w], hwc)) }
        for (shape, values) in given {
            #expect(Self.bits(try prep.prepare(.tensor(Tensor(shape: shape, storage: .float32(values))))) == Self.bits(hwc), "\(shape)")
        }
        // Another size is not resized (it is past preprocessing): refused, naming the layouts and the shape.
        let text = Self.message { try prep.prepare(.tensor(Tensor(shape: [c, h + 1, w], storage: .float32(hwc + [Float](repeating: 0, count: w * c))))) }
        #expect(text.contains("[C, H, W]") && text.contains("\(w)×\(h)") && text.contains("got [\(c), \(h + 1), \(w)] f32"), "\(text)")
    }

    @Test("a shape both [H, W, C] and [C, H, W] read is channels first only where that alone is the model's size")
    func bothReadings() throws {
        // A model 3 wide and 5 high: [3, 5, 3] is 3 rows of 5 RGB pixels, or 5 rows of 3 channels first, which fits.
        let narrow = Self.imageModel(width: 3, height: 5, order: .rgb)
        var rng = SplitMix64(seed: 18)
        let hwc = (0..<45).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let fits = try narrow.prepare(.frame(Frame(width: 3, height: 5, channels: 3, pixels: hwc)))
        #expect(Self.bits(try narrow.prepare(Self.bytes([3, 5, 3], Self.channelsFirst(hwc, h: 5, w: 3, c: 3)))) == Self.bits(fits))
        // Neither reading is a 28×28 model's size: [H, W, C], as these frames were always read (1 row of 28 gray pixels).
        let square = Self.imageModel(width: 28, height: 28, order: .gray)
        let row = (0..<28).map { UInt8($0 * 9) }
        #expect(Self.bits(try square.prepare(Self.bytes([1, 28, 1], row)))
                == Self.bits(try square.prepare(.frame(Frame(width: 28, height: 1, channels: 1, pixels: row)))))
        // Both readings the model's size (a 3×3 model): [H, W, C] too.
        let tiny = Self.imageModel(width: 3, height: 3, order: .rgb)
        let nine = (0..<27).map { UInt8($0) }
        #expect(Self.bits(try tiny.prepare(Self.bytes([3, 3, 3], nine)))
                == Self.bits(try tiny.prepare(.frame(Frame(width: 3, height: 3, channels: 3, pixels: nine)))))
    }

    @Test("any other u8 shape is refused naming the layouts, the model's size and the given shape, never a crash")
    func refusedShapes() {
        let prep = Self.imageModel(width: 28, height: 28, order: .gray)
        var rng = SplitMix64(seed: 81)
        var shapes: [[Int]] = [[784], [28, 28, 5], [5, 28, 28], [2, 1, 28, 28], [28, 28, 1, 1], [1, 28, 28, 5], [4, 7, 28], [0, 28], [28, 0, 1]]
        // Random shapes of 3 or 4 axes with no channels-sized axis at either end of the last three.
        for _ in 0..<20 {
            var s = (0..<rng.int(3...4)).map { _ in rng.int(4...30) }
            if s.count == 4 && rng.below(2) == 0 { s[0] = 1 }
            shapes.append(s)
        }
        for shape in shapes {
            let count = shape.reduce(1, *)
            let text = Self.message { try prep.prepare(Self.bytes(shape, [UInt8](repeating: 7, count: count))) }
            for part in ["[H, W]", "[H, W, C]", "[C, H, W]", "28×28", "[28, 28, 1]", "[1, 28, 28]", "[1, 1, 28, 28]", "got \(shape) u8"] {
                #expect(text.contains(part), "\(shape): '\(part)' missing from: \(text)")
            }
        }
        // A shape that does not hold the values, or whose product overflows, is refused the same way.
        for shape in [[28, 28], [Int.max, 2, 3], [-1, 28, 28], [3, Int.max, Int.max]] {
            let text = Self.message { try prep.prepare(Self.bytes(shape, [UInt8](repeating: 7, count: 30))) }
            #expect(text.contains("got \(shape) u8"), "\(shape): \(text)")
        }
        // A preprocessed f32 tensor in neither layout names the frame layouts too.
        let text = Self.message { try prep.prepare(.tensor(Tensor(shape: [784], storage: .float32([Float](repeating: 0, count: 784))))) }
        #expect(text.contains("[C, H, W]") && text.contains("[28, 28, 1]") && text.contains("[1, 1, 28, 28]") && text.contains("got [784] f32"),
                "\(text)")
    }

    @Test("the shipped IR-Net takes its test frames as [28, 28], [1, 28, 28], [1, 1, 28, 28] and [28, 28, 1] alike")
    func shippedIRNet() throws {
        let model = try PackedModel(path: "\(ShippedModelTests.root)/irnet/irnet.qpack")
        let prep = InputPreparer(metadata: model.metadata)
        let images = try ShippedModelTests.npy("\(ShippedModelTests.root)/irnet/testset_images.npy")
        guard case .uint8(let all) = images.storage else { Issue.record("the IR-Net test set is not u8: \(images.shape)"); return }
        let side = 28
        for i in 0..<3 {
            let frame = Array(all[(i * side * side)..<((i + 1) * side * side)])
            let expected = Self.bits(try prep.prepare(Self.bytes([side, side], frame)))
            for shape in [[1, side, side], [1, 1, side, side], [side, side, 1], [1, side, side, 1]] {
                #expect(Self.bits(try prep.prepare(Self.bytes(shape, frame))) == expected, "\(shape)")
            }
        }
        // Preprocessed, as the ONNX twin takes it: the file records no ONNX layout, the shape alone says which.
        let preprocessed = try prep.prepare(Self.bytes([side, side], Array(all[0..<(side * side)])))
        for shape in [[1, 1, side, side], [1, side, side], [side, side]] {
            let out = try prep.prepare(.tensor(Tensor(shape: shape, storage: .float32(preprocessed))))
            #expect(Self.bits(out) == Self.bits(preprocessed), "f32 \(shape)")
        }
        let text = Self.message { try prep.prepare(Self.bytes([1, 28, 28, 5], [UInt8](repeating: 0, count: 3920))) }
        #expect(text.contains("[1, 28, 28]") && text.contains("got [1, 28, 28, 5] u8") && !text.contains("channels; 1 (gray)"), "\(text)")
    }
}
