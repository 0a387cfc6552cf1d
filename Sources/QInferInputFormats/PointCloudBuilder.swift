/// Collects points for every point-cloud decoder, so the rules all of them share live in one place:
/// coordinates must be finite (one NaN poisons the engine's centering and max-pool) and a cloud must
/// have at least one point.
struct PointCloudBuilder {
    let format: InputFormat
    private(set) var points: [Float] = []
    private(set) var count = 0

    /// `expected` only sizes the first allocation; it is clamped by the caller to what the input can hold.
    init(format: InputFormat, expected: Int = 0) {
        self.format = format
        points.reserveCapacity(max(0, min(expected, 1 << 24)) * 3)
    }

    mutating func append(_ x: Float, _ y: Float, _ z: Float, at location: InputError.Location) throws(InputError) {
        guard x.isFinite, y.isFinite, z.isFinite else {
            let (axis, value) = !x.isFinite ? ("x", x) : !y.isFinite ? ("y", y) : ("z", z)
            throw InputError(format: format, kind: .nonFinite, location: location, field: axis,
                             message: "coordinate of point \(count) is \(value) (NaN, infinite, or beyond float32 range)")
        }
        points.append(x)
        points.append(y)
        points.append(z)
        count += 1
    }

    func finish() throws(InputError) -> PointCloud {
        guard count > 0 else {
            throw InputError(format: format, kind: .noPoints, message: "the file holds no points")
        }
        return PointCloud(points: points, count: count)
    }
}
