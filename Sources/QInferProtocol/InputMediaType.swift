import Foundation
import QInferInputFormats

/// How an inference body says what it is over HTTP: its content type, else `X-Input-Format`, with `X-Tensor-Shape`
/// for raw float32. The one table of content types ↔ formats, read by the daemon and written by the clients.
public enum InputMediaType {
    public static let json = "application/json"
    public static let octetStream = "application/octet-stream"

    /// Formats with a content type of their own; the others go as octet-stream with X-Input-Format.
    static let contentTypes: [(InputFormat, String)] = [
        (.npy, "application/x-npy"), (.png, "image/png"), (.pgm, "image/x-portable-graymap"), (.ppm, "image/x-portable-pixmap"),
    ]

    static var formatNames: String { InputFormat.allCases.map(\.rawValue).joined(separator: ", ") }

    /// The media type without parameters, lower-cased ("Application/JSON; charset=utf-8" → "application/json").
    static func essence(_ contentType: String?) -> String {
        guard let contentType else { return "" }
        let head = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        // ASCII, as every real content type is: trimmed of spaces and tabs (the ASCII members of .whitespaces) and
        // lower-cased here, the same result without Foundation's CharacterSet path (µs per request on Linux).
        let bytes = Array(head.utf8)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            var lo = 0, hi = bytes.count
            while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
            while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
            return String(decoding: bytes[lo..<hi].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return head.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The payload an HTTP request carries. No decoding happens here: only the headers are read.
    public static func payload(contentType: String?, inputFormat: String?, tensorShape: String?, body: [UInt8]) throws(APIFailure) -> InputPayload {
        let type = essence(contentType)
        let shape = try tensorShape.map { (text) throws(APIFailure) in try TensorShapeText.parse(text, what: APIHeaders.tensorShape) }
        if type == json && inputFormat == nil {
            guard shape == nil else {
                throw APIFailure(.badRequest, "\(APIHeaders.tensorShape) does not apply to a JSON body: put \"shape\" in the body")
            }
            return .json(body)
        }
        let format: InputFormat
        if let inputFormat {
            guard let f = InputFormat(rawValue: inputFormat.lowercased()) else {
                throw APIFailure(.unsupportedMediaType, "\(APIHeaders.inputFormat) '\(inputFormat)' is not one of \(formatNames)")
            }
            format = f
        } else if let f = contentTypes.first(where: { $0.1 == type })?.0 {
            format = f
        } else if type == octetStream {
            format = .f32
        } else {
            throw APIFailure(.unsupportedMediaType, "content type '\(type.isEmpty ? "(none)" : type)' is not accepted: use \(json), "
                             + "\(octetStream) with \(APIHeaders.tensorShape), "
                             + contentTypes.map(\.1).joined(separator: ", ") + ", or name the format in \(APIHeaders.inputFormat)")
        }
        try InputPayload.checkShape(shape, for: format)
        return .file(format, body, shape: shape)
    }

    /// The headers that carry `payload` (the inverse of `payload(contentType:…)`); nil for a decoded tensor or a
    /// source's decoded frame, which have no /v1 wire form of their own.
    public static func headers(for payload: InputPayload) -> [(String, String)]? {
        switch payload {
        case .json: return [("content-type", json)]
        case .tensor, .decoded: return nil
        case .file(let format, _, let shape):
            var headers: [(String, String)]
            if let own = contentTypes.first(where: { $0.0 == format })?.1 {
                headers = [("content-type", own)]
            } else if format == .f32 {
                headers = [("content-type", octetStream)]
            } else {
                headers = [("content-type", octetStream), (APIHeaders.inputFormat, format.rawValue)]
            }
            if let shape { headers.append((APIHeaders.tensorShape, TensorShapeText.format(shape))) }
            return headers
        }
    }
}

extension InputPayload {
    /// The body bytes as sent (nil for a decoded tensor).
    public var wireBody: [UInt8]? {
        switch self {
        case .json(let bytes), .file(_, let bytes, _): bytes
        case .tensor, .decoded: nil
        }
    }
}
