/// A step of a plan with the graph nodes it computes: one node, or several when the planner fused them (a binary
/// layer with the max over points after it, an elementwise chain). The profiler reports time per step by these.
struct PlannedStep {
    var step: Step
    var nodes: [Int]
    /// The most threads this step is worth splitting over (1: too little work to repay waking the pool).
    var parallelism: Int32 = 1
}

/// What the profiler shows for one step of a plan.
public struct PlanStepInfo: Sendable, Equatable {
    /// The kernel the step runs, e.g. `bconv2d` or `bgemm+max_pool`.
    public let kernel: String
    /// Indices into the model's graph nodes, in execution order.
    public let nodes: [Int]
    /// Threads the step runs on: the engine's, or fewer when the step has too little work to split.
    public let threads: Int
}
