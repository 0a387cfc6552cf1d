import NIOHTTP1
import QInferProtocol

/// Finds the route for a method and path: the route and its parameters, 405 with the methods the path allows, or
/// 404. Path parameters must be valid names (models and versions are file names): anything else is a 400 naming it.
public struct Router: Sendable {
    public let routes: [Route]

    public init(routes: [Route]) { self.routes = routes }

    enum Match {
        case found(Route, [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    func match(_ method: HTTPMethod, _ path: String) throws(APIFailure) -> Match {
        let parts = path.split(separator: "/")
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = route.parameters(parts) else { continue }
            guard route.method == method else {
                allowed.append(route.method)
                continue
            }
            for (name, value) in parameters.sorted(by: { $0.key < $1.key }) where !APIPaths.isValidName(value) {
                throw APIFailure(.badRequest, "'\(value)' is not a valid \(name == "name" ? "model name" : name) (1–64 of A–Z a–z 0–9 . _ -)")
            }
            return .found(route, parameters)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}

extension Router {
    /// Every route of the API socket (the OpenAPI test checks docs/openapi.yaml against this list, both ways).
    public static let api = Router(routes: V1Routes.all + V2Routes.all)
}
