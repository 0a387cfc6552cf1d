import QInferKernels
import QInferModel

/// Turns a validated graph into steps over one arena: nodes are grouped into steps (FusionPlanner), values get
/// arena offsets (reused once dead), layers get their prepared constants, and every pointer a step needs is fixed
/// before the first inference.
struct PlanBuilder {
    let model: PackedModel
    let maxArenaBytes: Int
    /// Fuse nodes into one step where a kernel computes them together (see FusionPlanner); off only to measure the
    /// fused plan against the plain one (`qinfer bench model`).
    var fuse = true

    struct Result {
        var steps: [PlannedStep]
        var arena: AlignedBuffer
        var workspace: AlignedBuffer
        /// Per-layer constants and prepared weights the steps point into.
        var constants: [LayerConstants]
        var prepared: [AlignedBuffer]
        var inputOffset: Int
        var outputOffset: Int
        var inputCount: Int
        var outputCount: Int
    }

    /// Bytes a value occupies: floats, or packed rows along the last axis.
    static func bytes(of v: ValueInfo) -> Int {
        switch v.type {
        case .f32: return v.elementCount * 4
        case .bits:
            let c = v.shape.last!
            return v.elementCount / max(c, 1) * qk_words(c) * 8
        }
    }

    func build() throws(EngineError) -> Result {
        let graph = model.graph, values = model.values
        let fusion = FusionPlanner(graph: graph, values: values).plan(fuse: fuse)
        let groups = fusion.groups

        // Liveness by step: the last group that reads each value (the output lives to the end). A group reads what
        // its nodes read from outside it, so its inputs stay live while it writes its outputs.
        var lastUse: [String: Int] = [:]
        for (g, group) in groups.enumerated() {
            for i in group.nodes { for name in graph.nodes[i].inputs { lastUse[name] = g } }
        }
        lastUse[graph.output] = groups.count

        var planner = ArenaPlanner()
        var offsets: [String: Int] = [:]
        offsets[graph.input] = planner.allocate(Self.bytes(of: values[graph.input]!))
        for (g, group) in groups.enumerated() {
            let written = group.nodes.map { graph.nodes[$0].output }.filter { !fusion.unwritten.contains($0) }
            for name in written { offsets[name] = planner.allocate(Self.bytes(of: values[name]!)) }
            let read = Set(group.nodes.flatMap { graph.nodes[$0].inputs }).subtracting(written)
            for name in read where lastUse[name] == g && offsets[name] != nil {
                planner.release(offset: offsets[name]!, bytes: Self.bytes(of: values[name]!))
            }
            for name in written where lastUse[name] == nil { // written but never read: free right away
                planner.release(offset: offsets[name]!, bytes: Self.bytes(of: values[name]!))
            }
        }
        guard planner.size <= maxArenaBytes else {
            throw EngineError("model '\(model.metadata.name)' needs \(planner.size) bytes of activations, more than the \(maxArenaBytes)-byte limit")
        }
        var emitter = StepEmitter(model: model, arena: AlignedBuffer(bytes: planner.size), offsets: offsets)
        for group in groups { emitter.emit(group) }
        let (steps, workspace) = emitter.finish()
        return Result(steps: steps, arena: emitter.arena, workspace: workspace, constants: emitter.constants,
                      prepared: emitter.prepared, inputOffset: offsets[graph.input]!, outputOffset: offsets[graph.output]!,
                      inputCount: values[graph.input]!.elementCount, outputCount: values[graph.output]!.elementCount)
    }
}
