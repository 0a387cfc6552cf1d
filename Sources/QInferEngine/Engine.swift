#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QInferKernels
import QInferModel

/// Runs one packed model: a static plan over one arena sized at load, weights used in place from the mapping.
/// An engine serves one inference at a time (the arena is its state); run one engine per worker for concurrency.
public final class Engine {
    public let model: PackedModel
    public let isa: qk_isa
    public let threads: Int
    /// Elements of the input tensor (after preprocessing) and of the output score vector.
    public let inputCount: Int
    public let outputCount: Int
    /// Bytes of the activation arena (values that are never live together share memory).
    public var arenaBytes: Int { plan.arena.count }
    /// Binary layers that run fused with the max over points after them.
    public var fusedMaxPoolLayers: Int {
        plan.steps.reduce(0) { count, planned in
            if case .bmaxpool = planned.step { return count + 1 }
            return count
        }
    }
    /// Steps that compute more than one graph node (a fused max over points, an FP32 or add output stage).
    public var fusedSteps: Int { plan.steps.filter { $0.nodes.count > 1 }.count }
    /// The plan's steps in execution order, for the per-step profile (`profile(input:output:stepNanoseconds:)`).
    public var steps: [PlanStepInfo] {
        plan.steps.map { PlanStepInfo(kernel: $0.step.kernelName, nodes: $0.nodes, threads: min(threads, Int($0.parallelism))) }
    }

    private let plan: PlanBuilder.Result
    private let pool: OpaquePointer?

    /// - Parameters:
    ///   - threads: worker threads for the binary layers (a pool created once, here).
    ///   - isa: kernel variant; nil selects like the kernels do (QINFER_ISA, else the best the CPU runs).
    ///   - maxArenaBytes: refuse models whose activations need more (a board has 1–8 GB and other work to do).
    ///   - fuse: run nodes a kernel can compute together as one step (the default): a binary layer read only by the
    ///     max over points with that max, an FP32 layer or add with the hardtanh and sign-pack after it. false gives
    ///     the plain plan, one step per node, the peer `qinfer bench model` measures the fused plan against.
    public init(model: PackedModel, threads: Int = 1, isa: qk_isa? = nil, maxArenaBytes: Int = 1 << 30,
                fuse: Bool = true) throws(EngineError) {
        self.model = model
        if let isa {
            guard qk_isa_supported(isa) != 0 else { throw EngineError("ISA \(String(cString: qk_isa_name(isa))) is not supported here") }
            self.isa = isa
        } else {
            var chosen = QK_ISA_SCALAR
            var err = [CChar](repeating: 0, count: 200)
            guard qk_isa_select(&chosen, &err, err.count) == 0 else {
                throw EngineError(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            self.isa = chosen
        }
        guard (1...256).contains(threads) else { throw EngineError("thread count \(threads) is not in 1…256") }
        self.threads = threads
        plan = try PlanBuilder(model: model, maxArenaBytes: maxArenaBytes, fuse: fuse).build()
        inputCount = plan.inputCount
        outputCount = plan.outputCount
        if threads > 1 {
            guard let p = qk_pool_create(Int32(threads)) else { throw EngineError("cannot start \(threads) worker threads") }
            pool = p
        } else {
            pool = nil
        }
    }

    deinit { if let pool { qk_pool_destroy(pool) } }

    /// Runs the graph on a preprocessed input; writes the output scores. Allocates nothing.
    public func run(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>) throws(EngineError) {
        try load(input, output)
        // Indexing the steps in place (no iterator) keeps even an unoptimized build free of allocations.
        let steps = plan.steps
        for i in steps.indices { steps[i].step.run(isa: isa, pool: pool, threads: min(Int32(threads), steps[i].parallelism)) }
        store(output)
    }

    /// `run`, adding each step's wall-clock nanoseconds to `stepNanoseconds[i]` (one entry per element of `steps`):
    /// the profile `qinfer bench model --layers` prints. The clock is read twice per step (tens of nanoseconds).
    public func profile(input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>,
                        stepNanoseconds: UnsafeMutableBufferPointer<UInt64>) throws(EngineError) {
        guard stepNanoseconds.count == plan.steps.count else {
            throw EngineError("the profile has \(stepNanoseconds.count) entries, the plan \(plan.steps.count) steps")
        }
        try load(input, output)
        let steps = plan.steps
        var before = Self.nanoseconds()
        for i in steps.indices {
            steps[i].step.run(isa: isa, pool: pool, threads: min(Int32(threads), steps[i].parallelism))
            let after = Self.nanoseconds()
            stepNanoseconds[i] &+= after &- before
            before = after
        }
        store(output)
    }

    private static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    private func store(_ output: UnsafeMutableBufferPointer<Float>) {
        output.baseAddress!.update(from: (plan.arena.base + plan.outputOffset).assumingMemoryBound(to: Float.self), count: outputCount)
    }

    private func load(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) throws(EngineError) {
        guard input.count == inputCount else {
            throw EngineError("input has \(input.count) values, the model's input \(model.metadata.input.shape) needs \(inputCount)")
        }
        guard output.count >= outputCount else { throw EngineError("output buffer holds \(output.count) values, needs \(outputCount)") }
        for i in 0..<input.count where !input[i].isFinite {
            throw EngineError("input value \(i) is \(input[i]) (inputs must be finite)")
        }
        (plan.arena.base + plan.inputOffset).copyMemory(from: input.baseAddress!, byteCount: inputCount * 4)
    }

    /// Convenience: allocates the output array.
    public func run(_ input: [Float]) throws(EngineError) -> [Float] {
        var out = [Float](repeating: 0, count: outputCount)
        try input.withUnsafeBufferPointer { (i) throws(EngineError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(EngineError) in try run(input: i, output: o) }
        }
        return out
    }
}
