// Durations as seconds, for sleeps, rates and watts (the sampler, the thermal monitor, the CPU-time estimate).
extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
