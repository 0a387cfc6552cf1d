/// Type and shape of a value flowing between nodes.
public struct ValueInfo: Sendable, Equatable, CustomStringConvertible {
    public enum ElementType: String, Sendable { case f32, bits }
    public var type: ElementType
    public var shape: [Int]

    public init(_ type: ElementType, _ shape: [Int]) { self.type = type; self.shape = shape }

    public var elementCount: Int { shape.reduce(1, *) }
    public var description: String { "\(type)\(shape)" }
}
