import NIOCore
import NIOHTTP1

extension ChannelHandlerContext {
    /// One whole HTTP/1.1 response, flushed: head (content type and length, extra headers, `connection: close` when the
    /// connection ends after it), body, end. The API and the metrics-only handlers both answer through it.
    func writeWholeResponse(status: HTTPResponseStatus, contentType: String, body: [UInt8], close: Bool,
                            extraHeaders: [(String, String)] = []) -> EventLoopFuture<Void> {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: "\(body.count)")
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if close { headers.add(name: "connection", value: "close") }
        write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        return writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
    }
}
