import QInferKernels

/// The kernel ISA the daemon's engines run: the store builds them without an explicit ISA, so each resolves it with
/// qk_isa_select (QINFER_ISA, else the fastest the CPU supports), which reads only the environment and the CPU and
/// so gives the same answer for the process's lifetime.
enum DispatchedISA {
    /// "none" when QINFER_ISA names an unknown or unsupported ISA: then no engine can be built at all.
    static let name: String = {
        var isa = QK_ISA_SCALAR
        var error = [CChar](repeating: 0, count: 200)
        guard qk_isa_select(&isa, &error, error.count) == 0 else { return "none" }
        return String(cString: qk_isa_name(isa))
    }()
}
