/// Why a .qpack file or a graph was refused: always names the field, the byte offset or the node.
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    /// The signature section is the problem (malformed): the daemon answers `bad_signature` for it, not `bad_model`.
    public let isSignatureProblem: Bool

    public init(_ message: String) { self.init(message, isSignatureProblem: false) }

    init(_ message: String, isSignatureProblem: Bool) {
        self.message = message
        self.isSignatureProblem = isSignatureProblem
    }

    public var description: String { message }

    /// The same error with `context` (a path, say) in front, still a signature problem if it was one.
    public func prefixed(_ context: String) -> ModelError { ModelError("\(context): \(message)", isSignatureProblem: isSignatureProblem) }

    static func at(_ offset: Int, _ message: String) -> ModelError { ModelError("byte \(offset): \(message)") }
    static func signature(_ message: String) -> ModelError { ModelError(message, isSignatureProblem: true) }
}
