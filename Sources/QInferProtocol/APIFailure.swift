/// A request that cannot be served, with the API error code that says why (mapped to an HTTP status).
public struct APIFailure: Error, CustomStringConvertible, Sendable {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) { self.code = code; self.message = message }

    public var description: String { "\(code.rawValue): \(message)" }
}
