// Here, in the lowest Swift module the CLI, the daemon and the board's sensors all link, so the conversion is
// written once for the sampler, the thermal monitor, the CPU-time estimate, benchmarks, progress lines and uptime.
extension Duration {
    /// The duration in seconds, attoseconds included (to a Double's precision): for rates, watts, sleeps and uptime.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
