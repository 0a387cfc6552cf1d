/// Decodes whitespace-separated text point clouds (.xyz and .pts): one point per line, the first three
/// columns are x y z and further columns (intensity, colour, normals) are ignored. '#' starts a comment,
/// blank lines are skipped. A .pts file may open with a line holding only the point count; when present
/// the count must match the points that follow, since a mismatch means a truncated or concatenated file.
enum XYZDecoder {
    static func decode(_ bytes: [UInt8], format: InputFormat) throws(InputError) -> PointCloud {
        // A typical point line is 25–40 bytes; reserving for that avoids most regrowth without trusting anything.
        var cloud = PointCloudBuilder(format: format, expected: bytes.count / 32)
        var lines = LineReader(bytes)
        var tokens: [Range<Int>] = []
        var declaredCount: (value: Int, line: Int)?
        var sawData = false

        while let line = lines.next() {
            tokenize(bytes, line, into: &tokens, stripComment: true)
            if tokens.isEmpty { continue }
            defer { sawData = true }
            if tokens.count < 3 {
                if format == .pts, !sawData, tokens.count == 1 {
                    guard let count = NumberParser.int(bytes, tokens[0]), count >= 0 else {
                        throw InputError(format: format, kind: .badNumber, location: .line(line.number), field: "count",
                                         message: "first line should be a point count or x y z, found \(tokenText(bytes, tokens[0]))")
                    }
                    declaredCount = (count, line.number)
                    continue
                }
                throw InputError(format: format, kind: .wrongValueCount, location: .line(line.number),
                                 message: "expected at least 3 columns (x y z), found \(tokens.count)")
            }
            let x = try coordinate(bytes, tokens[0], axis: 0, line: line.number, point: cloud.count, format: format)
            let y = try coordinate(bytes, tokens[1], axis: 1, line: line.number, point: cloud.count, format: format)
            let z = try coordinate(bytes, tokens[2], axis: 2, line: line.number, point: cloud.count, format: format)
            try cloud.append(x, y, z, at: .line(line.number))
        }

        if let declared = declaredCount, declared.value != cloud.count {
            throw InputError(format: format, kind: declared.value > cloud.count ? .truncated : .trailingData,
                             location: .line(declared.line), field: "count",
                             message: "count line says \(declared.value) points, the file has \(cloud.count)")
        }
        return try cloud.finish()
    }

    /// Parses one coordinate token of a text format; shared with the ascii PLY and PCD bodies.
    static func coordinate(_ bytes: [UInt8], _ token: Range<Int>, axis: Int, line: Int, point: Int,
                           format: InputFormat) throws(InputError) -> Float {
        switch NumberParser.float(bytes, token) {
        case .value(let v):
            return v
        case .nonFinite:
            throw InputError(format: format, kind: .nonFinite, location: .line(line), field: axisName(axis),
                             message: "coordinate \(tokenText(bytes, token)) of point \(point) is not finite")
        case .invalid:
            throw InputError(format: format, kind: .badNumber, location: .line(line), field: axisName(axis),
                             message: "\(tokenText(bytes, token)) is not a number")
        }
    }

    static func axisName(_ axis: Int) -> String {
        switch axis {
        case 0: "x"
        case 1: "y"
        default: "z"
        }
    }
}
