// The requests whose form is more than a method and a path, built once for `qinfer` and `bench daemon`: an
// inference is written with QInferProtocol's codec (the daemon reads it with the same one), an upload and an
// activation with their query and body.
import Foundation
import QInferProtocol

extension DaemonRequest {
    /// POST /v1/models/{model}/infer carrying `payload` as the codec writes it, `options` in the query.
    public static func infer(_ model: String, payload: InputPayload, options: InferenceOptions = InferenceOptions()) throws(ClientError) -> DaemonRequest {
        guard let headers = InputMediaType.headers(for: payload), let body = payload.wireBody else {
            throw ClientError("a decoded tensor has no /v1 wire form: send its file or its JSON")
        }
        return DaemonRequest(.POST, APIPaths.infer(model), query: options.queryItems, headers: headers, body: body)
    }

    /// PUT /v1/models/{model}: a .qpack as a new version (the file's own when `version` is nil), made active on request.
    public static func install(_ model: String, version: String? = nil, activate: Bool = false, qpack: [UInt8]) -> DaemonRequest {
        var query: [(String, String)] = []
        if let version { query.append(("version", version)) }
        if activate { query.append(("activate", "1")) }
        return DaemonRequest(.PUT, APIPaths.model(model), query: query, headers: [("content-type", InputMediaType.octetStream)],
                             body: qpack)
    }

    /// POST /v1/models/{model}/activate with `{"version": …}`.
    public static func activate(_ model: String, version: String) -> DaemonRequest {
        // Encoding a struct of one String cannot fail.
        let body = try! JSONEncoder().encode(ActivateRequest(version: version))
        return DaemonRequest(.POST, APIPaths.activate(model), headers: [("content-type", InputMediaType.json)], body: [UInt8](body))
    }
}
