import QInferEngine
import QInferModel
import Synchronization

/// One loaded model version: the mapping, and engines for it (an engine runs one inference at a time, so workers
/// borrow one each). Requests hold a reference while they run; when a swap drops the store's reference, the last
/// request to finish releases it and the file is unmapped.
public final class ServingModel: Sendable {
    public let name: String
    public let version: String
    public let path: String
    public let source: String
    public let model: PackedModel
    public let preparer: InputPreparer
    private let idle = Mutex<[EngineBox]>([])

    /// Maps, validates and plans the file at `path`.
    convenience init(name: String, version: String, path: String, source: String) throws(ModelError) {
        try self.init(name: name, version: version, path: path, source: source, model: try PackedModel(path: path))
    }

    /// Plans an already validated model; `path` is where its file is (or is about to be, for an upload mapped
    /// under its temporary name).
    init(name: String, version: String, path: String, source: String, model: PackedModel) throws(ModelError) {
        self.name = name
        self.version = version
        self.path = path
        self.source = source
        self.model = model
        preparer = InputPreparer(metadata: model.metadata)
        // One engine up front: a model that cannot be planned is refused when installed, not on the first request.
        let first = try Self.plan(model)
        idle.withLock { $0.append(EngineBox(engine: first)) }
    }

    private static func plan(_ model: PackedModel) throws(ModelError) -> Engine {
        do { return try Engine(model: model, threads: 1) } catch { throw ModelError(error.message) }
    }

    /// Runs `body` with an engine of this version, creating one when all are busy.
    func withEngine<T>(_ body: (Engine) throws -> T) throws -> T {
        let box = try idle.withLock { $0.popLast() } ?? EngineBox(engine: Self.plan(model))
        defer { idle.withLock { $0.append(box) } }
        return try body(box.engine)
    }
}

/// An engine handed between worker threads: only ever used by the one thread that took it out of the pool.
struct EngineBox: @unchecked Sendable {
    let engine: Engine
}
