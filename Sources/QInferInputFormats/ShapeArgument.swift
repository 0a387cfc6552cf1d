/// Checks a caller-supplied shape (from --shape or the request): at least one dimension, each positive,
/// and a product that does not overflow.
enum ShapeArgument {
    static func elementCount(_ shape: [Int], format: InputFormat) throws(InputError) -> Int {
        guard !shape.isEmpty, shape.count <= DecodeLimits.maxDimensions else {
            throw InputError(format: format, kind: .badShape, field: "shape",
                             message: "shape \(shape) must have 1 to \(DecodeLimits.maxDimensions) dimensions")
        }
        var count = 1
        for dimension in shape {
            guard dimension > 0 else {
                throw InputError(format: format, kind: .badShape, field: "shape",
                                 message: "shape \(shape) has a dimension that is not positive")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw InputError(format: format, kind: .badShape, field: "shape", message: "shape \(shape) overflows")
            }
            count = product
        }
        return count
    }
}
