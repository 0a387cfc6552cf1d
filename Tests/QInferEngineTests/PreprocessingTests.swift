import QInferEngine
import QInferInputFormats
import QInferModel
import Testing

@Suite struct PreprocessingTests {
    @Test("point clouds are centred, scaled into the unit sphere and sampled to the model's count")
    func pointCloud() throws {
        let p = PointCloudPreprocessor(config: PointCloudPreprocessing(points: 4))
        // 8 points around (10, 20, 30), farthest at distance 2
        let cloud: [Float] = [12, 20, 30, 8, 20, 30, 10, 21, 30, 10, 19, 30, 10, 20, 31, 10, 20, 29, 11, 20, 30, 9, 20, 30]
        let out = try p.prepare(cloud)
        #expect(out.count == 12)
        #expect(Array(out[0..<3]) == [1, 0, 0])     // point 0 (stride 2: points 0, 2, 4, 6)
        #expect(Array(out[3..<6]) == [0, 0.5, 0])   // point 2
        #expect(Array(out[6..<9]) == [0, 0, 0.5])   // point 4
        #expect(try p.prepare(cloud) == out, "deterministic")
    }

    @Test("fewer points than the model takes repeat cyclically; one point stays at the origin")
    func padding() throws {
        let p = PointCloudPreprocessor(config: PointCloudPreprocessing(points: 5))
        let out = try p.prepare([0, 0, 0, 2, 0, 0])
        #expect(out == [-1, 0, 0, 1, 0, 0, -1, 0, 0, 1, 0, 0, -1, 0, 0])
        #expect(try p.prepare([5, 5, 5]) == [Float](repeating: 0, count: 15))
    }

    @Test("bad point data is refused")
    func badPoints() {
        let p = PointCloudPreprocessor(config: PointCloudPreprocessing(points: 5))
        #expect(throws: EngineError("the point cloud has no points")) { _ = try p.prepare([]) }
        #expect(throws: EngineError("point data has 4 values, not a multiple of 3")) { _ = try p.prepare([1, 2, 3, 4]) }
        #expect(throws: EngineError("point 1 has a non-finite coordinate (inf)")) { _ = try p.prepare([1, 2, 3, 4, .infinity, 6]) }
    }

    @Test("frames: same size is only normalization; gray↔RGB conversion; bilinear halving averages pixel pairs")
    func frames() throws {
        let gray = FramePreprocessor(config: FramePreprocessing(width: 2, height: 1, channelOrder: .gray, mean: [0.5], std: [0.5]))
        #expect(try gray.prepare(pixels: [0, 255], width: 2, height: 1, channels: 1) == [-1, 1])
        #expect(try gray.prepare(pixels: [255, 0, 0, 0, 0, 255], width: 2, height: 1, channels: 3).map { ($0 * 1000).rounded() } ==
                [((0.299 - 0.5) / 0.5 * 1000).rounded(), ((0.114 - 0.5) / 0.5 * 1000).rounded()])
        let rgb = FramePreprocessor(config: FramePreprocessing(width: 1, height: 1, channelOrder: .bgr, mean: [0, 0, 0], std: [1, 1, 1]))
        #expect(try rgb.prepare(pixels: [255, 0, 51], width: 1, height: 1, channels: 3) == [0.2, 0, 1])
        #expect(try rgb.prepare(pixels: [51], width: 1, height: 1, channels: 1) == [0.2, 0.2, 0.2])
        let half = FramePreprocessor(config: FramePreprocessing(width: 2, height: 1, channelOrder: .gray, mean: [0], std: [1]))
        let out = try half.prepare(pixels: [0, 102, 204, 255], width: 4, height: 1, channels: 1)
        #expect(abs(out[0] - 51 / 255) < 1e-6 && abs(out[1] - 229.5 / 255) < 1e-6)
    }

    @Test("bad frames are refused")
    func badFrames() {
        let p = FramePreprocessor(config: FramePreprocessing(width: 2, height: 2, channelOrder: .gray, mean: [0], std: [1]))
        #expect(throws: EngineError("frame data has 3 bytes, 2×2×1 needs 4")) { _ = try p.prepare(pixels: [1, 2, 3], width: 2, height: 2, channels: 1) }
        #expect(throws: EngineError("frame has 4 channels; 1 (gray) or 3 (RGB) are accepted")) {
            _ = try p.prepare(pixels: [UInt8](repeating: 0, count: 16), width: 2, height: 2, channels: 4)
        }
    }
}
