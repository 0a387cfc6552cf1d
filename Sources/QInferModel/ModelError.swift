/// Why a .qpack file or a graph was refused: always names the field, the byte offset or the node.
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func at(_ offset: Int, _ message: String) -> ModelError { ModelError("byte \(offset): \(message)") }
}
