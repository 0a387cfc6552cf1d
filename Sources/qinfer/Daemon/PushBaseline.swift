// What a verified push must be able to put back: the model's active store version before the upload.
import QInferClient
import QInferProtocol

/// The model's state in the store before a verified push, and how to return to it.
struct PushBaseline {
    /// The store version that was active; nil for a new model (or one served only as an embedded default).
    let activeVersion: String?
    /// The model had versions in the store.
    let inStore: Bool

    /// GET /v1/models/{model}; an unknown model is a baseline with nothing in the store.
    static func read(_ client: DaemonClient, model: String) throws -> PushBaseline {
        let response = try client.send(DaemonRequest(.GET, APIPaths.model(model)))
        if response.status == 404 { return PushBaseline(activeVersion: nil, inStore: false) }
        guard response.isSuccess else { throw DaemonErrorResponse(response) }
        let info = try response.decode(ModelInfo.self)
        // An embedded default is not the store's: it serves again by itself once the store holds nothing of the model.
        let stored = info.versions.filter { $0.source == "store" }.map(\.version)
        return PushBaseline(activeVersion: info.activeVersion.flatMap { stored.contains($0) ? $0 : nil }, inStore: !stored.isEmpty)
    }

    /// Undoes the install of `installed` (made active): the earlier version active again, the failed one deleted;
    /// returns what was done, for the message.
    func restore(_ client: DaemonClient, model: String, installed: String) throws -> String {
        if let activeVersion {
            _ = try client.call(ModelInfo.self, .activate(model, version: activeVersion))
            // Left in the store, the failed version would be the "previous" one that `qinfer rollback` brings back,
            // and pushing the fixed file under the same version would conflict with it.
            _ = try client.call(DaemonRequest(.DELETE, APIPaths.version(model, installed)))
            return "rolled back to v\(activeVersion) and removed v\(installed)"
        }
        if inStore {
            _ = try client.call(DaemonRequest(.DELETE, APIPaths.version(model, installed)))
            return "removed v\(installed)"
        }
        _ = try client.call(DaemonRequest(.DELETE, APIPaths.model(model)))
        return "removed \(model) v\(installed), its first version"
    }
}
