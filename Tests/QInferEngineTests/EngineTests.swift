import CHeapStats
import QInferEngine
import QInferKernels
import QInferModel
import QInferTestSupport
import Testing
import QInferRandom

func loadModel(_ bytes: [UInt8]) throws -> PackedModel {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 64)
    buffer.copyMemory(from: bytes.withUnsafeBytes { $0 })
    return try PackedModel(bytes: UnsafeRawBufferPointer(buffer), owner: Owned(buffer))
}

final class Owned {
    let buffer: UnsafeMutableRawBufferPointer
    init(_ b: UnsafeMutableRawBufferPointer) { buffer = b }
    deinit { buffer.deallocate() }
}

struct ModelCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let make: @Sendable () throws -> [UInt8]
}

let modelCases: [ModelCase] = [
    ModelCase(testDescription: "pointnet 64 pts, 33→65→100") { try randomPointNet(seed: 1, points: 64, widths: [33, 65, 100], classes: 7) },
    ModelCase(testDescription: "pointnet 128 pts, 64→64→128→200") { try randomPointNet(seed: 2, points: 128, widths: [64, 64, 128, 200], classes: 10) },
    ModelCase(testDescription: "pointnet 37 pts, 1→8→129") { try randomPointNet(seed: 3, points: 37, widths: [1, 8, 129], classes: 3) },
    // The last binary layer fused with the max over points, 32 rows at a time: a partial last tile (200 = 6·32 + 8),
    // fewer points than a tile, exactly one tile, odd widths.
    ModelCase(testDescription: "pointnet 200 pts, 31→65→129, fused max") {
        try randomPointNet(seed: 11, points: 200, widths: [31, 65, 129], classes: 6, maxRightAfterBinary: true)
    },
    ModelCase(testDescription: "pointnet 20 pts, 8→100, fused max") {
        try randomPointNet(seed: 12, points: 20, widths: [8, 100], classes: 3, maxRightAfterBinary: true)
    },
    ModelCase(testDescription: "pointnet 32 pts, 64→64→256, fused max") {
        try randomPointNet(seed: 13, points: 32, widths: [64, 64, 256], classes: 5, maxRightAfterBinary: true)
    },
    ModelCase(testDescription: "resnet 8×8×3, 16→33 zero pad") { try randomResNet(seed: 4, size: 8, inChannels: 3, widths: [16, 16, 33], classes: 10, padValue: .zero) },
    ModelCase(testDescription: "resnet 9×9×1, 65→100 zero pad") { try randomResNet(seed: 5, size: 9, inChannels: 1, widths: [65, 100], classes: 5, padValue: .zero) },
    ModelCase(testDescription: "resnet 10×10×3, 16→32→64 option A") { try randomResNet(seed: 10, size: 10, inChannels: 3, widths: [16, 32, 64], classes: 10, padValue: .zero) },
    ModelCase(testDescription: "resnet 7×7×3, 20→20→64 one pad") { try randomResNet(seed: 6, size: 7, inChannels: 3, widths: [20, 20, 64], classes: 4, padValue: .one) },
    ModelCase(testDescription: "resnet 3×3×1, 8→16 zero pad") { try randomResNet(seed: 7, size: 3, inChannels: 1, widths: [8, 16], classes: 2, padValue: .zero) },
    // The shipped models' fused FP32 output stages: dense → sign-pack; conv → hardtanh → sign-pack (and the float
    // kept for the residual); widths that are not multiples of any vector width.
    ModelCase(testDescription: "pointnet 100 pts, folded 37→64→1000, fused max") {
        try randomPointNet(seed: 16, points: 100, widths: [37, 64, 1000], classes: 5, maxRightAfterBinary: true, foldedFirstLayer: true)
    },
    ModelCase(testDescription: "resnet 13×13×1, stem clip 19→19→40 zero pad") {
        try randomResNet(seed: 17, size: 13, inChannels: 1, widths: [19, 19, 40], classes: 4, padValue: .zero, stemClip: true)
    },
    ModelCase(testDescription: "resnet 28×28×3, stem clip 64→64→128 zero pad") {
        try randomResNet(seed: 18, size: 28, inChannels: 3, widths: [64, 64, 128], classes: 10, padValue: .zero, stemClip: true)
    },
]

/// Shipped-size models, too slow for the float reference at every ISA: their layers have enough work that the
/// engine splits them over threads (qk_bmaxpool by channels, FP32 and binary layers by rows).
let threadedCases: [ModelCase] = [
    ModelCase(testDescription: "pointnet 1024 pts, folded 64→128→1024, fused max") {
        try randomPointNet(seed: 19, points: 1024, widths: [64, 128, 1024], classes: 14, maxRightAfterBinary: true, foldedFirstLayer: true)
    },
]

private func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] }! }

@Suite struct EngineTests {
    @Test("the engine equals the float reference: same argmax, logits within 1e-4 relative", arguments: modelCases)
    func matchesReference(_ c: ModelCase) throws {
        let model = try loadModel(try c.make())
        let reference = ReferenceExecutor(model: model)
        var rng = SplitMix64(seed: 99)
        for isa in [QK_ISA_SCALAR] + (1..<QK_ISA_COUNT.rawValue).map({ qk_isa(rawValue: $0) }).filter({ qk_isa_supported($0) != 0 }) {
            for threads in [1, 3] {
                let engine = try Engine(model: model, threads: threads, isa: isa)
                for sample in 0..<4 {
                    let input = rng.floats(engine.inputCount, -2, 2)
                    let expected = try reference.run(input)
                    let got = try engine.run(input)
                    #expect(argmax(got) == argmax(expected), "isa \(isa.rawValue) threads \(threads) sample \(sample)")
                    let worst = zip(got, expected).map { abs($0 - $1) / max(abs($1), 1e-6) }.max()!
                    #expect(worst <= 1e-4, "isa \(isa.rawValue) threads \(threads) sample \(sample): relative error \(worst)")
                }
            }
        }
    }

    @Test("an inference allocates nothing on the heap", arguments: [1, 2])
    func noAllocationPerInference(threads: Int) throws {
        for make in [modelCases[1].make, modelCases[3].make] {
            let model = try loadModel(try make())
            let engine = try Engine(model: model, threads: threads)
            var rng = SplitMix64(seed: 5)
            let input = rng.floats(engine.inputCount)
            var output = [Float](repeating: 0, count: engine.outputCount)
            try input.withUnsafeBufferPointer { i in
                try output.withUnsafeMutableBufferPointer { o in
                    try engine.run(input: i, output: o) // warm up
                    let before = heap_thread_counts()
                    for _ in 0..<5 { try engine.run(input: i, output: o) }
                    let after = heap_thread_counts()
                    #expect(after.calls == before.calls, "\(after.calls - before.calls) allocations (\(after.bytes - before.bytes) bytes) in 5 inferences")
                }
            }
        }
    }

    @Test("the arena reuses memory of dead values")
    func arenaReuse() throws {
        let model = try loadModel(try randomPointNet(seed: 8, points: 256, widths: [64, 64, 64, 64, 64, 64], classes: 4))
        let engine = try Engine(model: model)
        let total = model.values.values.reduce(0) { $0 + ($1.type == .f32 ? $1.elementCount * 4 : $1.elementCount / $1.shape.last! * ((($1.shape.last! + 63) / 64) * 8)) }
        #expect(engine.arenaBytes < total / 2, "arena \(engine.arenaBytes) bytes for \(total) bytes of values")
    }

    @Test("a binary layer read only by the max over points needs a tile of rows in the arena, not the whole matrix")
    func fusedMaxArena() throws {
        let points = 1024, n = 1024
        let fused = try Engine(model: try loadModel(try randomPointNet(seed: 14, points: points, widths: [64, 128, n], classes: 4,
                                                                      maxRightAfterBinary: true)))
        let plain = try Engine(model: try loadModel(try randomPointNet(seed: 14, points: points, widths: [64, 128, n], classes: 4)))
        #expect(plain.arenaBytes >= points * n * 4, "unfused: the [points, n] floats are in the arena")
        #expect(fused.arenaBytes < points * n * 4 / 4, "fused: arena \(fused.arenaBytes) bytes")
    }

    @Test("the plain plan (fuse: false) fuses nothing, keeps the whole matrix and gives the same bits")
    func plainPlanPeer() throws {
        let points = 200, n = 129
        let model = try loadModel(try randomPointNet(seed: 15, points: points, widths: [31, 65, n], classes: 5,
                                                     maxRightAfterBinary: true))
        let fused = try Engine(model: model), plain = try Engine(model: model, fuse: false)
        #expect(fused.fusedMaxPoolLayers == 1)
        #expect(plain.fusedMaxPoolLayers == 0 && plain.fusedSteps == 0)
        #expect(plain.arenaBytes >= points * n * 4, "plain: the [points, n] floats are in the arena")
    }

    @Test("fused and plain plans give the same bits on every ISA and thread count", arguments: modelCases + threadedCases)
    func fusedEqualsPlain(_ c: ModelCase) throws {
        let model = try loadModel(try c.make())
        var rng = SplitMix64(seed: 15)
        for isa in [QK_ISA_SCALAR] + (1..<QK_ISA_COUNT.rawValue).map({ qk_isa(rawValue: $0) }).filter({ qk_isa_supported($0) != 0 }) {
            let plain = try Engine(model: model, isa: QK_ISA_SCALAR, fuse: false)
            for threads in [1, 2, 3] {
                let fused = try Engine(model: model, threads: threads, isa: isa)
                for _ in 0..<3 {
                    let x = rng.floats(fused.inputCount, -2, 2)
                    #expect(try fused.run(x).map(\.bitPattern) == (try plain.run(x)).map(\.bitPattern),
                            "isa \(isa.rawValue) threads \(threads)")
                }
            }
        }
    }

    @Test("steps with enough work run on several threads, small ones on one")
    func stepThreads() throws {
        let model = try loadModel(try threadedCases[0].make())
        let engine = try Engine(model: model, threads: 4)
        // dense 1024×3→64 (12.6 M binary-equivalent MACs), 64→128 (8.4 M), 128→1024 with the max: all 4 threads;
        // the classifier (1024×14 FP32, 0.9 M): 1.
        #expect(engine.steps.map(\.threads) == [4, 4, 4, 1], "\(engine.steps)")
        #expect(try Engine(model: model, threads: 1).steps.allSatisfy { $0.threads == 1 })
    }

    @Test("the shipped models' fusions: which nodes each fused step computes")
    func fusedSteps() throws {
        let pointnet = try Engine(model: try loadModel(try randomPointNet(seed: 16, points: 100, widths: [37, 64, 1000], classes: 5,
                                                                          maxRightAfterBinary: true, foldedFirstLayer: true)))
        #expect(pointnet.steps.map(\.kernel) == ["dense+sign_pack", "bgemm", "bgemm+point_max_pool", "dense"])
        let resnet = try Engine(model: try loadModel(try randomResNet(seed: 17, size: 13, inChannels: 1, widths: [19, 19, 40], classes: 4,
                                                                      padValue: .zero, stemClip: true)))
        let kernels = resnet.steps.map(\.kernel)
        #expect(kernels.first == "conv2d+clamp+sign_pack")
        #expect(kernels.filter { $0 == "add+clamp+sign_pack" }.count == 3, "\(kernels)")
        // Every node computed exactly once.
        #expect(resnet.steps.flatMap(\.nodes).sorted() == Array(0..<resnet.model.graph.nodes.count))
    }

    @Test("bad inputs are clear errors")
    func badInputs() throws {
        let model = try loadModel(try randomPointNet(seed: 9, points: 16, widths: [8, 8], classes: 2))
        let engine = try Engine(model: model)
        #expect(throws: EngineError("input has 3 values, the model's input [16, 3] needs 48")) { _ = try engine.run([1, 2, 3]) }
        var input = [Float](repeating: 0.5, count: 48)
        input[17] = .nan
        #expect(throws: EngineError("input value 17 is nan (inputs must be finite)")) { _ = try engine.run(input) }
        input[17] = .infinity
        #expect(throws: EngineError("input value 17 is inf (inputs must be finite)")) { _ = try engine.run(input) }
        #expect(throws: EngineError("thread count 0 is not in 1…256")) { _ = try Engine(model: model, threads: 0) }
        #expect(throws: EngineError.self) { _ = try Engine(model: model, maxArenaBytes: 256) }
    }
}
