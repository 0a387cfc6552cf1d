/// Why a key file or a signing step was refused: names the file and what was wrong with it.
public struct SigningError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
