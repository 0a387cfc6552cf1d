/// The error body every failed request gets: `{"error": {"status": 404, "code": "model_not_found", "message": "…"}}`.
public struct APIErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var status: Int
        public var code: String
        public var message: String
    }
    public var error: Detail

    public init(status: Int, code: ErrorCode, message: String) {
        error = Detail(status: status, code: code.rawValue, message: message)
    }
}

/// Machine-readable error codes (docs/API.md lists when each is used).
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case malformedHTTP = "malformed_http"
    case unsupportedMediaType = "unsupported_media_type"
    case badInput = "bad_input"
    case badModel = "bad_model"
    /// An upload's signature section is malformed, or names a trusted key and does not verify.
    case badSignature = "bad_signature"
    /// Signed by a key the daemon does not trust, while signatures are required.
    case untrustedKey = "untrusted_key"
    /// Unsigned, while signatures are required.
    case signatureRequired = "signature_required"
    case notFound = "not_found"
    case modelNotFound = "model_not_found"
    case versionNotFound = "version_not_found"
    case methodNotAllowed = "method_not_allowed"
    case forbidden = "forbidden"
    case conflict = "conflict"
    case requestTimeout = "request_timeout"
    case payloadTooLarge = "payload_too_large"
    case overloaded = "overloaded"
    case deadlineExceeded = "deadline_exceeded"
    case notReady = "not_ready"
    case internalError = "internal_error"

    /// The HTTP status that goes with the code.
    public var status: Int {
        switch self {
        case .badRequest, .malformedHTTP, .badInput, .badModel, .badSignature: 400
        case .forbidden, .untrustedKey, .signatureRequired: 403
        case .notFound, .modelNotFound, .versionNotFound: 404
        case .methodNotAllowed: 405
        case .requestTimeout: 408
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .internalError: 500
        case .overloaded, .notReady: 503
        case .deadlineExceeded: 504
        }
    }
}
