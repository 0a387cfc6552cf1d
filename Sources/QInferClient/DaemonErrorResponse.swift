import Foundation
import QInferProtocol

/// qinferd answered, with a status outside 2xx. Its JSON error body (`{"error": {status, code, message}}`) becomes
/// the message; anything else it sent is quoted.
public struct DaemonErrorResponse: Error, CustomStringConvertible, Sendable {
    public let response: DaemonResponse
    /// The API's error body, when the answer was one.
    public let apiError: APIErrorBody.Detail?

    public init(_ response: DaemonResponse) {
        self.response = response
        apiError = try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body)).error
    }

    /// `qinferd: no model named 'x' (404 model_not_found)`.
    public var description: String {
        if let apiError { return "qinferd: \(apiError.message) (\(apiError.status) \(apiError.code))" }
        let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return "qinferd answered HTTP \(response.status)" + (text.isEmpty ? "" : ": \(text.prefix(500))")
    }
}
