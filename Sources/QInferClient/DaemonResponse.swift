import Foundation
import NIOHTTP1

/// One whole answer of qinferd.
public struct DaemonResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The JSON body as `T`; a body that is not one is a ClientError quoting it (a qinferd of another version).
    public func decode<T: Decodable>(_ type: T.Type) throws(ClientError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(body)) } catch {
            throw ClientError("qinferd sent a \(T.self) this client cannot read (\(error)): \(text.prefix(500))")
        }
    }
}
