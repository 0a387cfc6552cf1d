import NIOHTTP1
import QInferProtocol

/// One endpoint, declared once: method, path template, who may call it, and the handler. Authorization and
/// matching happen before the handler runs (HTTPHandler), so handlers only parse and act.
public struct Route: Sendable {
    public enum Access: Sendable {
        case anyone
        /// Root, the daemon's own user, or a member of the admin group (SO_PEERCRED).
        case admin
    }

    public let method: HTTPMethod
    /// e.g. `/v1/models/{name}/versions/{version}`; `{…}` segments match one path segment, handed to the handler.
    public let template: String
    public let access: Access
    let segments: [Segment]
    let handle: @Sendable (Daemon, APIRequest) throws(APIFailure) -> APIReply

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    init(_ method: HTTPMethod, _ template: String, _ access: Access = .anyone,
         _ handle: @escaping @Sendable (Daemon, APIRequest) throws(APIFailure) -> APIReply) {
        self.method = method
        self.template = template
        self.access = access
        self.handle = handle
        segments = template.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    /// The parameters when `path` (split into segments) has this route's shape.
    func parameters(_ path: [Substring]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var found: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text): guard part == text else { return nil }
            case .parameter(let name): found[name] = String(part)
            }
        }
        return found
    }
}

/// What a handler sees of a request: the matched parameters (already checked as names), the query, the body and
/// the few headers the API reads.
public struct APIRequest: Sendable {
    public let parameters: [String: String]
    public let query: [String: String]
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// Who sent it (SO_PEERCRED), for the log lines of refusals; nil when the socket could not say.
    public var peer: PeerCredentials? = nil

    /// A path parameter the route template declares (a template typo is a bug, caught by the route tests).
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}

/// A handler's answer: now, or later from another thread (store writes, inference).
public enum APIReply: Sendable {
    case json(HTTPResponseStatus, any Encodable & Sendable)
    case bytes(HTTPResponseStatus, contentType: String, [UInt8])
    case failure(APIFailure)
    /// Called once with the completion that writes the answer; the completion may run on any thread.
    case later(@Sendable (_ answer: @escaping @Sendable (APIReply) -> Void) -> Void)
    /// GET /v1/events: the connection becomes a stream of JSON lines.
    case eventStream

    static func ok(_ value: any Encodable & Sendable) -> APIReply { .json(.ok, value) }
}
