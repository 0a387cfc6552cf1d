import NIOCore
import NIOHTTP1

/// One request to qinferd: method, path, query, headers and body, written the same way on every connection.
public struct DaemonRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query, e.g. APIPaths.stats.
    public var path: String
    /// Name–value pairs, percent-encoded when sent.
    public var query: [(String, String)]
    public var headers: [(String, String)]
    /// nil sends no body and no content-length; [] sends an explicit empty body (a POST with nothing to say).
    public var body: [UInt8]?
    /// Called on the connection's event loop each time another piece of the body has been written to the connection,
    /// with the bytes written so far and the total (an upload's progress line).
    public var onBodyWritten: (@Sendable (_ sent: Int, _ total: Int) -> Void)?

    /// The pieces a body is written in when its progress is followed: small enough for ~10 updates a second on a slow
    /// link, large enough to cost nothing.
    static let progressChunkBytes = 64 << 10

    public init(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
                body: [UInt8]? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The request target: the path, then `?name=value&…` when there is a query.
    public var uri: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
    }

    /// The request head. `closing` asks qinferd to close the connection after answering (one request per
    /// connection); without it the connection is kept for the next request.
    func head(closing: Bool) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "host", value: "localhost")
        head.headers.add(name: "user-agent", value: "qinfer")
        if closing { head.headers.add(name: "connection", value: "close") }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "content-length", value: "\(body.count)") }
        return head
    }

    /// Writes head, body and end on `channel` (from any thread); `closing` as for `head(closing:)`.
    func write(to channel: Channel, closing: Bool) {
        channel.write(HTTPClientRequestPart.head(head(closing: closing)), promise: nil)
        if let body, !body.isEmpty {
            if let onBodyWritten {
                var start = 0
                while start < body.count {
                    let end = min(start + Self.progressChunkBytes, body.count), total = body.count
                    let written = channel.eventLoop.makePromise(of: Void.self)
                    written.futureResult.whenSuccess { onBodyWritten(end, total) }
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body[start..<end]))), promise: written)
                    start = end
                }
            } else {
                channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
            }
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// RFC 3986 unreserved characters pass, every other byte is %XX (qinferd percent-decodes query names and values).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += "%" + hexByte(byte) }
        }
        return out
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
