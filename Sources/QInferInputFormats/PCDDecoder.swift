/// Decodes PCD v0.7 point clouds with DATA ascii or DATA binary (little-endian records, the layout PCL
/// writes on every platform we run on). x, y, z may be any SIZE/TYPE; other fields are skipped by their
/// SIZE × COUNT. Organized clouds (HEIGHT > 1) mark missing depth with NaN points; those are refused like
/// any other non-finite coordinate, since the engine has no notion of a hole.
enum PCDDecoder {
    static func decode(_ bytes: [UInt8]) throws(InputError) -> PointCloud {
        let header = try PCDHeader.parse(bytes)
        switch header.encoding {
        case .binary: return try decodeBinary(bytes, header)
        case .ascii: return try decodeASCII(bytes, header)
        }
    }

    private static func decodeBinary(_ bytes: [UInt8], _ header: PCDHeader) throws(InputError) -> PointCloud {
        let available = bytes.count - header.bodyOffset
        let (needed, overflow) = header.points.multipliedReportingOverflow(by: header.recordSize)
        if overflow || needed > available {
            throw InputError(format: .pcd, kind: .truncated, location: .byteOffset(bytes.count), field: "POINTS",
                             message: "\(header.points) points of \(header.recordSize) bytes need \(overflow ? "more than Int.max" : String(needed)) bytes, \(available) follow the header")
        }
        if needed < available {
            throw InputError(format: .pcd, kind: .trailingData, location: .byteOffset(header.bodyOffset + needed),
                             message: "\(available - needed) bytes follow the \(header.points) points the header declares")
        }
        let axes = ["x", "y", "z"].map { name in header.fields.first { $0.name == name }! }
        var cloud = PointCloudBuilder(format: .pcd, expected: header.points)
        for point in 0..<header.points {
            let record = header.bodyOffset + point * header.recordSize
            let x = read(bytes, at: record, axes[0])
            let y = read(bytes, at: record, axes[1])
            let z = read(bytes, at: record, axes[2])
            try cloud.append(x, y, z, at: .point(point))
        }
        return try cloud.finish()
    }

    private static func read(_ bytes: [UInt8], at record: Int, _ field: PCDHeader.Field) -> Float {
        let offset = record + field.offset
        switch (field.type, field.size) {
        case (.float, 4): return Float(bitPattern: BinaryScalars.uint32(bytes, at: offset, bigEndian: false))
        case (.float, _): return Float(Double(bitPattern: BinaryScalars.uint64(bytes, at: offset, bigEndian: false)))
        case (.signed, 1): return Float(Int8(bitPattern: bytes[offset]))
        case (.signed, 2): return Float(Int16(bitPattern: BinaryScalars.uint16(bytes, at: offset, bigEndian: false)))
        case (.signed, 4): return Float(Int32(bitPattern: BinaryScalars.uint32(bytes, at: offset, bigEndian: false)))
        case (.signed, _): return Float(Int64(bitPattern: BinaryScalars.uint64(bytes, at: offset, bigEndian: false)))
        case (.unsigned, 1): return Float(bytes[offset])
        case (.unsigned, 2): return Float(BinaryScalars.uint16(bytes, at: offset, bigEndian: false))
        case (.unsigned, 4): return Float(BinaryScalars.uint32(bytes, at: offset, bigEndian: false))
        case (.unsigned, _): return Float(BinaryScalars.uint64(bytes, at: offset, bigEndian: false))
        }
    }

    /// One point per line with exactly the header's number of values (sum of COUNT).
    private static func decodeASCII(_ bytes: [UInt8], _ header: PCDHeader) throws(InputError) -> PointCloud {
        // Value index of each axis on a line: fields before it contribute their COUNT.
        var columns: [String: Int] = [:]
        var column = 0
        for field in header.fields {
            columns[field.name] = columns[field.name] ?? column
            column += field.count
        }
        let (xColumn, yColumn, zColumn) = (columns["x"]!, columns["y"]!, columns["z"]!)
        var lines = LineReader(bytes, offset: header.bodyOffset, firstLineNumber: header.bodyLine)
        var tokens: [Range<Int>] = []
        var cloud = PointCloudBuilder(format: .pcd, expected: min(header.points, bytes.count / 32))

        func nextDataLine() -> TextLine? {
            while let line = lines.next() {
                tokenize(bytes, line, into: &tokens, stripComment: false)
                if !tokens.isEmpty { return line }
            }
            return nil
        }

        for point in 0..<header.points {
            guard let line = nextDataLine() else {
                throw InputError(format: .pcd, kind: .truncated, location: .line(lines.lineNumber), field: "POINTS",
                                 message: "file ends after \(point) of \(header.points) points")
            }
            guard tokens.count == header.valuesPerPoint else {
                throw InputError(format: .pcd, kind: .wrongValueCount, location: .line(line.number),
                                 message: "point \(point) has \(tokens.count) values, FIELDS/COUNT declare \(header.valuesPerPoint)")
            }
            let x = try XYZDecoder.coordinate(bytes, tokens[xColumn], axis: 0, line: line.number, point: point, format: .pcd)
            let y = try XYZDecoder.coordinate(bytes, tokens[yColumn], axis: 1, line: line.number, point: point, format: .pcd)
            let z = try XYZDecoder.coordinate(bytes, tokens[zColumn], axis: 2, line: line.number, point: point, format: .pcd)
            try cloud.append(x, y, z, at: .line(line.number))
        }
        if let extra = nextDataLine() {
            throw InputError(format: .pcd, kind: .trailingData, location: .line(extra.number),
                             message: "data after the \(header.points) points the header declares")
        }
        return try cloud.finish()
    }
}
