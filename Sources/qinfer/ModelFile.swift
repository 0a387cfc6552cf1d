// Opening a .qpack and building its engine, the way run, eval, verify, bench model, bench runner and the per-step
// profile all do it: one place decides the ISA handling and the message of every failure, "<path>: <reason>".
import QInferEngine
import QInferModel

/// A .qpack mapped for running in this process.
struct ModelFile {
    let path: String
    let packed: PackedModel

    /// Maps and validates `path`.
    init(_ path: String) throws {
        self.path = path
        do { packed = try PackedModel(path: path) } catch { throw CLIError("\(path): \(error.message)") }
    }

    /// An engine for the model: `isa` nil lets the kernels choose (QINFER_ISA or the best supported); `fuse` false
    /// gives the plain plan of one step per node.
    func engine(threads: Int, isa: KernelISA?, fuse: Bool = true) throws -> Engine {
        do { return try Engine(model: packed, threads: threads, isa: isa?.raw, fuse: fuse) } catch {
            throw CLIError("\(path): \(error.message)")
        }
    }
}
