/// Points of a cloud as float32 x, y, z triples, interleaved (x0 y0 z0 x1 y1 z1 …); every value is finite.
public struct PointCloud: Equatable, Sendable {
    public var points: [Float]
    public var count: Int

    public init(points: [Float], count: Int) {
        self.points = points
        self.count = count
    }
}
