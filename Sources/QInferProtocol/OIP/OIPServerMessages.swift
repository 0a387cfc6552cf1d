// The Open Inference Protocol's health and server answers, and its error body. The spec:
// kserve/open-inference-protocol, specification/protocol/inference_rest.md.

/// GET /v2: `$metadata_server_response`.
public struct OIPServerMetadata: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var extensions: [String]
    public init(name: String, version: String, extensions: [String]) { self.name = name; self.version = version; self.extensions = extensions }
}

/// GET /v2/health/live.
public struct OIPServerLive: Codable, Sendable, Equatable {
    public var live: Bool
    public init(live: Bool) { self.live = live }
}

/// GET /v2/health/ready.
public struct OIPServerReady: Codable, Sendable, Equatable {
    public var ready: Bool
    public init(ready: Bool) { self.ready = ready }
}

/// GET /v2/models/{name}[/versions/{version}]/ready: `$ready_model_response`.
public struct OIPModelReady: Codable, Sendable, Equatable {
    public var name: String
    public var ready: Bool
    public init(name: String, ready: Bool) { self.name = name; self.ready = ready }
}

/// Every failed /v2 request: `{"error": "message"}`, the spec's form (the HTTP status carries the class of error;
/// the /v1 body's code is not part of it).
public struct OIPErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public init(error: String) { self.error = error }
}

/// Which requests are the Open Inference Protocol's: their errors take its form.
public enum OIPPaths {
    public static let prefix = "/v2"

    /// True for `/v2`, `/v2/…` and `/v2?…` (a request target as received, query included).
    public static func covers(_ uri: String) -> Bool {
        guard uri.hasPrefix(prefix) else { return false }
        let rest = uri.dropFirst(prefix.count)
        return rest.isEmpty || rest.hasPrefix("/") || rest.hasPrefix("?")
    }
}
