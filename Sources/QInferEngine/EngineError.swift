/// Why the engine refused a model or an input: names the node, the value or the element.
public struct EngineError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
