import QInferEngine
import QInferInputFormats
import QInferModel
import QInferRandom
import Testing

/// An f32 tensor is taken in the packed input's layout or the ONNX model's (issue 18: a [1, 3, N] cloud fed to an
/// [N, 3] model was accepted on its element count and answered wrong).
@Suite struct InputLayoutTests {
    static func tensorModel(packed: [Int], onnx: ONNXInputLayout?) -> InputPreparer {
        var m = ModelMetadata(name: "t", version: "1", task: .tensor, labels: [], input: InputSignature(name: "x", shape: packed),
                              preprocessing: Preprocessing())
        m.onnxInput = onnx
        return InputPreparer(metadata: m)
    }

    static func cloudModel(points: Int, onnx: ONNXInputLayout?) -> InputPreparer {
        var m = ModelMetadata(name: "pn", version: "1", task: .pointCloudClassification, labels: ["a"],
                              input: InputSignature(name: "x", shape: [points, 3]),
                              preprocessing: Preprocessing(pointCloud: PointCloudPreprocessing(points: points, normalization: .none)))
        m.onnxInput = onnx
        return InputPreparer(metadata: m)
    }

    static func tensor(_ shape: [Int], _ values: [Float]) -> DecodedInput { .tensor(Tensor(shape: shape, storage: .float32(values))) }

    /// The message of the error `body` throws, or "" when it does not throw.
    static func message(_ body: () throws -> [Float]) -> String {
        do { _ = try body(); return "" } catch let e as EngineError { return e.message } catch { return "\(error)" }
    }

    /// Element [c][n] of a channels-first [3, n] block → element [n][c] of the points-major one, written out by hand.
    static func pointsMajor(_ channelsFirst: [Float], n: Int) -> [Float] {
        (0..<n).flatMap { p in (0..<3).map { c in channelsFirst[c * n + p] } }
    }

    @Test("a tensor model packed from [1, 3, 8] takes [8, 3] as is and [1, 3, 8] or [3, 8] rearranged")
    func tensorInEitherLayout() throws {
        let prep = Self.tensorModel(packed: [8, 3], onnx: ONNXInputLayout(shape: [1, 3, 8], axisOrder: [0, 2, 1]))
        let values = (0..<24).map(Float.init)
        #expect(try prep.prepare(Self.tensor([8, 3], values)) == values)
        #expect(try prep.prepare(Self.tensor([1, 8, 3], values)) == values)
        #expect(try prep.prepare(Self.tensor([1, 3, 8], values)) == Self.pointsMajor(values, n: 8))
        #expect(try prep.prepare(Self.tensor([3, 8], values)) == Self.pointsMajor(values, n: 8))
        for wrong in [[24], [2, 12], [3, 8, 1], [4, 2, 3]] {
            let text = Self.message { try prep.prepare(Self.tensor(wrong, values)) }
            #expect(text.contains("[8, 3]") && text.contains("[1, 3, 8]") && text.contains("got \(wrong)"), "\(wrong): \(text)")
        }
    }

    @Test("a file without the ONNX layout (before 1.1) takes only the packed shape, and says which")
    func olderFiles() throws {
        let prep = Self.tensorModel(packed: [8, 3], onnx: nil)
        let values = (0..<24).map(Float.init)
        #expect(try prep.prepare(Self.tensor([1, 8, 3], values)) == values)
        let text = Self.message { try prep.prepare(Self.tensor([3, 8], values)) }
        #expect(text == "model 't' takes an f32 tensor of shape [8, 3]; got [3, 8] f32")
    }

    @Test("where only the batch axis tells the layouts apart, the exact shape decides")
    func squareInputs() throws {
        let prep = Self.tensorModel(packed: [4, 4], onnx: ONNXInputLayout(shape: [1, 4, 4], axisOrder: [0, 2, 1]))
        let values = (0..<16).map(Float.init)
        #expect(try prep.prepare(Self.tensor([4, 4], values)) == values)
        let transposed = (0..<4).flatMap { i in (0..<4).map { j in values[j * 4 + i] } }
        #expect(try prep.prepare(Self.tensor([1, 4, 4], values)) == transposed)
        let text = Self.message { try prep.prepare(Self.tensor([1, 1, 4, 4], values)) }
        #expect(text.contains("[1, 1, 4, 4]") && text.contains("[4, 4]") && text.contains("[1, 4, 4]"), "\(text)")
    }

    @Test("an image model takes a preprocessed NCHW tensor as ONNX does, and HWC as packed")
    func imageTensors() throws {
        let frame = FramePreprocessing(width: 3, height: 2, channelOrder: .rgb, mean: [0, 0, 0], std: [1, 1, 1])
        var m = ModelMetadata(name: "img", version: "1", task: .imageClassification, labels: ["a"],
                              input: InputSignature(name: "x", shape: [2, 3, 3]), preprocessing: Preprocessing(frame: frame))
        m.onnxInput = ONNXInputLayout(shape: [1, 3, 2, 3], axisOrder: [0, 2, 3, 1])
        let prep = InputPreparer(metadata: m)
        let nchw = (0..<18).map(Float.init)
        var hwc = [Float](repeating: 0, count: 18)
        for c in 0..<3 { for y in 0..<2 { for x in 0..<3 { hwc[(y * 3 + x) * 3 + c] = nchw[(c * 2 + y) * 3 + x] } } }
        #expect(try prep.prepare(Self.tensor([1, 3, 2, 3], nchw)) == hwc)
        #expect(try prep.prepare(Self.tensor([2, 3, 3], hwc)) == hwc)
        let text = Self.message { try prep.prepare(Self.tensor([18], nchw)) }
        #expect(text.contains("[2, 3, 3]") && text.contains("[1, 3, 2, 3]") && text.contains("got [18] f32"), "\(text)")
    }

    @Test("a point cloud is taken as [N, 3] or channels first [3, N], any N but 3, with or without a batch axis")
    func pointClouds() throws {
        let prep = Self.cloudModel(points: 5, onnx: ONNXInputLayout(shape: [1, 3, 5], axisOrder: [0, 2, 1]))
        var rng = SplitMix64(seed: 18)
        let channelsFirst = (0..<15).map { _ in rng.float(-1...1) }
        let points = Self.pointsMajor(channelsFirst, n: 5)
        let expected = try prep.prepare(Self.tensor([5, 3], points))
        #expect(expected == points, "normalization none, exactly the model's point count: the cloud itself")
        for shape in [[1, 3, 5], [3, 5]] { #expect(try prep.prepare(Self.tensor(shape, channelsFirst)) == expected, "\(shape)") }
        #expect(try prep.prepare(Self.tensor([1, 5, 3], points)) == expected)
        // Another point count is sampled the same way from either layout.
        let seven = (0..<21).map { _ in rng.float(-1...1) }
        #expect(try prep.prepare(Self.tensor([3, 7], seven)) == (try prep.prepare(Self.tensor([7, 3], Self.pointsMajor(seven, n: 7)))))
    }

    @Test("a point cloud of another layout, or 3 points that could be either, is refused by name")
    func pointCloudRefusals() throws {
        let prep = Self.cloudModel(points: 5, onnx: ONNXInputLayout(shape: [1, 3, 5], axisOrder: [0, 2, 1]))
        for shape in [[3, 3], [1, 3, 3]] {
            let text = Self.message { try prep.prepare(Self.tensor(shape, [Float](repeating: 0.5, count: 9))) }
            #expect(text.contains("\(shape)") && text.contains("ambiguous") && text.contains("[N, 3]") && text.contains("[3, N]"), "\(text)")
        }
        for shape in [[15], [5, 1, 3], [2, 5, 3], [5, 3, 1]] {
            let text = Self.message { try prep.prepare(Self.tensor(shape, [Float](repeating: 0.5, count: 15))) }
            #expect(text.contains("[N, 3]") && text.contains("[3, N]") && text.contains("[1, 3, 5]") && text.contains("got \(shape) f32"),
                    "\(shape): \(text)")
        }
        let bytes = Self.message { try prep.prepare(.tensor(Tensor(shape: [5, 3], storage: .uint8([UInt8](repeating: 1, count: 15))))) }
        #expect(bytes.contains("got [5, 3] u8"), "\(bytes)")
    }

    @Test("a shape that does not hold the tensor's values is an error, not a crash")
    func inconsistentTensors() {
        let prep = Self.tensorModel(packed: [8, 3], onnx: ONNXInputLayout(shape: [1, 3, 8], axisOrder: [0, 2, 1]))
        for shape in [[1, 3, 9], [Int.max, 4], [-1, -24]] {
            let text = Self.message { try prep.prepare(Self.tensor(shape, (0..<24).map(Float.init))) }
            #expect(text.contains("\(shape)"), "\(shape): \(text)")
        }
        let cloud = Self.cloudModel(points: 5, onnx: nil)
        let text = Self.message { try cloud.prepare(Self.tensor([3, Int.max], [1, 2, 3])) }
        #expect(text.contains("got [3, \(Int.max)]"), "\(text)")
    }

    @Test("any axis order rearranges as numpy.transpose does", arguments: [[0, 2, 1], [3, 0, 4, 2, 1], [1, 0], [2, 1, 0, 3]])
    func transposeOrders(_ order: [Int]) throws {
        let onnx = [2, 3, 4, 5, 6].prefix(order.count).map { $0 }
        let packed = order.map { onnx[$0] }
        let prep = Self.tensorModel(packed: packed, onnx: ONNXInputLayout(shape: onnx, axisOrder: order))
        let values = (0..<onnx.reduce(1, *)).map(Float.init)
        var strides = [Int](repeating: 1, count: onnx.count)
        for i in stride(from: onnx.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * onnx[i + 1] }
        // Walk the packed shape in row-major order; each coordinate names the ONNX element it holds.
        var expected: [Float] = []
        var coord = [Int](repeating: 0, count: packed.count)
        for _ in values.indices {
            expected.append(values[zip(coord, order).map { c, axis in c * strides[axis] }.reduce(0, +)])
            var axis = packed.count - 1
            while axis >= 0 {
                coord[axis] += 1
                if coord[axis] < packed[axis] { break }
                coord[axis] = 0
                axis -= 1
            }
        }
        #expect(try prep.prepare(Self.tensor(onnx, values)) == expected)
        #expect(try prep.prepare(Self.tensor(packed, values)) == values)
    }
}
