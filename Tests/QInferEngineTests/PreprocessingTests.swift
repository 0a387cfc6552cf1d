import QInferEngine
import QInferInputFormats
import QInferModel
import QInferRandom
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

    // MARK: bit-identical to the plain definitions (PreprocessingReference)

    private static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    /// Clouds of many sizes and value ranges: around the origin, far from it, huge, subnormal, with signed zeros,
    /// all one point; a point count below, at and above the model's; both normalizations.
    @Test("point-cloud preprocessing equals the definition bit for bit on random and edge clouds")
    func pointCloudMatchesDefinition() throws {
        var rng = SplitMix64(seed: 0x5EED_0018)
        let kinds: [(String, (inout SplitMix64) -> Float)] = [
            ("unit", { $0.float(-1...1) }),
            ("far", { 10_000 + $0.float(-0.5...0.5) }),
            ("huge", { $0.float(-1...1) * 3e38 }),
            ("subnormal", { $0.float(-1...1) * 1e-40 }),
            ("mixed", { r in
                switch r.below(5) {
                case 0: 0
                case 1: -0.0
                case 2: r.float(-1...1) * 1e-30
                case 3: r.float(-1...1) * 1e6
                default: r.normal()
                }
            }),
        ]
        for n in [1, 2, 3, 4, 5, 7, 8, 63, 1023, 1024, 1025, 2047, 5000] {
            for (kind, draw) in kinds {
                let points = (0..<(3 * n)).map { _ in draw(&rng) }
                for target in [1, 5, 1024] {
                    for normalization in [PointCloudPreprocessing.Normalization.unitSphere, .none] {
                        let config = PointCloudPreprocessing(points: target, normalization: normalization)
                        let got = try PointCloudPreprocessor(config: config).prepare(points)
                        let want = try PreprocessingReference.pointCloud(points, config: config)
                        #expect(Self.bits(got) == Self.bits(want), "n \(n), \(kind), target \(target), \(normalization)")
                    }
                }
            }
            let same = (0..<(3 * n)).map { [Float(7.25), -3.5, 1e-3][$0 % 3] }
            let config = PointCloudPreprocessing(points: 1024)
            #expect(Self.bits(try PointCloudPreprocessor(config: config).prepare(same))
                    == Self.bits(try PreprocessingReference.pointCloud(same, config: config)), "n \(n), all one point")
        }
    }

    @Test("a non-finite coordinate anywhere is refused with the definition's message")
    func nonFiniteAnywhere() {
        var rng = SplitMix64(seed: 0xBAD_F1)
        let p = PointCloudPreprocessor(config: PointCloudPreprocessing(points: 16))
        for n in [1, 4, 5, 1024] {
            for bad: Float in [.nan, .infinity, -.infinity, .signalingNaN] {
                for at in Set([0, 3 * n / 2, 3 * n - 1]) {
                    var points = (0..<(3 * n)).map { _ in rng.float(-1...1) }
                    points[at] = bad
                    let want = #expect(throws: EngineError.self) { try PreprocessingReference.pointCloud(points, config: p.config) }
                    let got = #expect(throws: EngineError.self) { try p.prepare(points) }
                    #expect(got == want, "n \(n), \(bad) at \(at)")
                }
            }
        }
    }

    /// Frames at the model's size (the direct path) and resized up and down, gray and RGB in, gray, RGB and BGR out.
    @Test("frame preprocessing equals the definition bit for bit on random frames")
    func frameMatchesDefinition() throws {
        var rng = SplitMix64(seed: 0xF8A_3E)
        let sizes = [(1, 1), (2, 1), (28, 28), (31, 17), (64, 48), (7, 5), (3, 90)]
        for order in [FramePreprocessing.ChannelOrder.gray, .rgb, .bgr] {
            let c = order == .gray ? 1 : 3
            for (ow, oh) in [(28, 28), (1, 1), (2, 3), (56, 20)] + sizes {
                let config = FramePreprocessing(width: ow, height: oh, channelOrder: order,
                                                mean: (0..<c).map { _ in rng.float(0...1) }, std: (0..<c).map { _ in rng.float(0.05...1) })
                let p = FramePreprocessor(config: config)
                for (w, h) in sizes + [(ow, oh)] {
                    for channels in [1, 3] {
                        let pixels = (0..<(w * h * channels)).map { _ in UInt8(rng.below(256)) }
                        let got = try p.prepare(pixels: pixels, width: w, height: h, channels: channels)
                        let want = PreprocessingReference.frame(pixels, width: w, height: h, channels: channels, config: config)
                        #expect(Self.bits(got) == Self.bits(want), "\(w)×\(h)×\(channels) → \(ow)×\(oh) \(order)")
                    }
                }
            }
        }
        // The extremes of every channel value, at the model's size and resized.
        let gray = FramePreprocessing(width: 16, height: 16, channelOrder: .gray, mean: [0.1307], std: [0.3081])
        let ramp = (0..<256).map { UInt8($0) }
        #expect(Self.bits(try FramePreprocessor(config: gray).prepare(pixels: ramp, width: 16, height: 16, channels: 1))
                == Self.bits(PreprocessingReference.frame(ramp, width: 16, height: 16, channels: 1, config: gray)))
        #expect(Self.bits(try FramePreprocessor(config: gray).prepare(pixels: ramp, width: 32, height: 8, channels: 1))
                == Self.bits(PreprocessingReference.frame(ramp, width: 32, height: 8, channels: 1, config: gray)))
    }

    @Test("a preprocessing config with fewer means or stds than channels is refused, not a trap")
    func shortNormalization() {
        let p = FramePreprocessor(config: FramePreprocessing(width: 1, height: 1, channelOrder: .rgb, mean: [0], std: [1, 1, 1]))
        #expect(throws: EngineError("frame preprocessing has 1 means and 3 stds for 3 channels")) {
            _ = try p.prepare(pixels: [1, 2, 3], width: 1, height: 1, channels: 3)
        }
    }
}
