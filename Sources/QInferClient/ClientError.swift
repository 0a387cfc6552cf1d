/// qinferd could not be asked or did not answer in HTTP: no socket, nobody listening, a connection cut short, an
/// answer this client cannot read. The message names the endpoint and, where it helps, what to do.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
