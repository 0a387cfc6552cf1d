/// Decodes PLY point clouds (ascii, binary_little_endian, binary_big_endian). The points are the x, y, z
/// properties of the "vertex" element, whatever their numeric type; every other property and element
/// (colours, normals, faces with list properties) is walked and skipped, so the whole body is checked
/// against the header: a short body is `truncated`, leftover bytes or lines are `trailingData`.
enum PLYDecoder {
    /// Which property of the vertex element feeds which axis.
    private struct AxisSlots {
        var x = -1, y = -1, z = -1

        init(_ element: PLYHeader.Element) throws(InputError) {
            for (index, property) in element.properties.enumerated() {
                switch property.name {
                case "x": x = index
                case "y": y = index
                case "z": z = index
                default: continue
                }
                if case .list = property.kind {
                    throw InputError(format: .ply, kind: .malformedHeader, location: .line(element.line), field: property.name,
                                     message: "vertex coordinate '\(property.name)' is a list property")
                }
            }
            for (slot, name) in [(x, "x"), (y, "y"), (z, "z")] where slot < 0 {
                throw InputError(format: .ply, kind: .missingField, location: .line(element.line), field: name,
                                 message: "vertex element has no '\(name)' property")
            }
        }

        func axis(of property: Int) -> Int? {
            property == x ? 0 : property == y ? 1 : property == z ? 2 : nil
        }
    }

    static func decode(_ bytes: [UInt8]) throws(InputError) -> PointCloud {
        let header = try PLYHeader.parse(bytes)
        guard let vertexIndex = header.elements.firstIndex(where: { $0.name == "vertex" }) else {
            throw InputError(format: .ply, kind: .missingField, field: "vertex", message: "header declares no vertex element")
        }
        let slots = try AxisSlots(header.elements[vertexIndex])
        switch header.encoding {
        case .ascii:
            return try decodeASCII(bytes, header, vertexIndex: vertexIndex, slots: slots)
        case .binaryLittleEndian:
            return try decodeBinary(bytes, header, vertexIndex: vertexIndex, slots: slots, bigEndian: false)
        case .binaryBigEndian:
            return try decodeBinary(bytes, header, vertexIndex: vertexIndex, slots: slots, bigEndian: true)
        }
    }

    // MARK: binary

    private static func decodeBinary(_ bytes: [UInt8], _ header: PLYHeader, vertexIndex: Int, slots: AxisSlots,
                                     bigEndian: Bool) throws(InputError) -> PointCloud {
        var offset = header.bodyOffset
        var cloud = PointCloudBuilder(format: .ply)
        for (elementIndex, element) in header.elements.enumerated() {
            let isVertex = elementIndex == vertexIndex
            // Every property takes at least its scalar size or its list-count size, so this bounds how many
            // instances the remaining bytes can hold before looping over a count the header may have invented.
            let minimumSize = element.properties.reduce(0) { sum, property in
                switch property.kind {
                case .scalar(let type): sum + type.size
                case .list(let countType, _): sum + countType.size
                }
            }
            let (minimumTotal, overflow) = element.count.multipliedReportingOverflow(by: minimumSize)
            if overflow || minimumTotal > bytes.count - offset {
                throw InputError(format: .ply, kind: .truncated, location: .byteOffset(bytes.count), field: element.name,
                                 message: "\(element.count) '\(element.name)' elements need at least \(overflow ? "more than Int.max" : String(minimumTotal)) bytes, \(bytes.count - offset) remain")
            }
            if isVertex { cloud = PointCloudBuilder(format: .ply, expected: element.count) }
            for instance in 0..<element.count {
                var xyz: (Float, Float, Float) = (0, 0, 0)
                for (propertyIndex, property) in element.properties.enumerated() {
                    switch property.kind {
                    case .scalar(let type):
                        try need(type.size, at: offset, in: bytes, element: element, instance: instance, property: property.name)
                        if isVertex, let axis = slots.axis(of: propertyIndex) {
                            let value = Float(type.read(bytes, at: offset, bigEndian: bigEndian))
                            switch axis {
                            case 0: xyz.0 = value
                            case 1: xyz.1 = value
                            default: xyz.2 = value
                            }
                        }
                        offset += type.size
                    case .list(let countType, let itemType):
                        try need(countType.size, at: offset, in: bytes, element: element, instance: instance, property: property.name)
                        let rawCount = countType.read(bytes, at: offset, bigEndian: bigEndian)
                        guard rawCount >= 0 else {
                            throw InputError(format: .ply, kind: .badValue, location: .byteOffset(offset), field: property.name,
                                             message: "list length \(Int(rawCount)) of '\(element.name)' \(instance) is negative")
                        }
                        offset += countType.size
                        // rawCount ≤ 2^32 and item size ≤ 8, so the product cannot overflow Int.
                        try need(Int(rawCount) * itemType.size, at: offset, in: bytes, element: element, instance: instance,
                                 property: property.name)
                        offset += Int(rawCount) * itemType.size
                    }
                }
                if isVertex { try cloud.append(xyz.0, xyz.1, xyz.2, at: .point(instance)) }
            }
        }
        guard offset == bytes.count else {
            throw InputError(format: .ply, kind: .trailingData, location: .byteOffset(offset),
                             message: "\(bytes.count - offset) bytes follow the last element the header declares")
        }
        return try cloud.finish()
    }

    private static func need(_ size: Int, at offset: Int, in bytes: [UInt8], element: PLYHeader.Element, instance: Int,
                             property: String) throws(InputError) {
        guard size <= bytes.count - offset else {
            throw InputError(format: .ply, kind: .truncated, location: .byteOffset(bytes.count), field: property,
                             message: "file ends inside '\(element.name)' \(instance) of \(element.count)")
        }
    }

    // MARK: ascii

    /// One element instance per line, as every PLY writer produces; values must match the header exactly
    /// (a line with one value too many or too few is how a hand-edited file usually breaks).
    private static func decodeASCII(_ bytes: [UInt8], _ header: PLYHeader, vertexIndex: Int,
                                    slots: AxisSlots) throws(InputError) -> PointCloud {
        var lines = LineReader(bytes, offset: header.bodyOffset, firstLineNumber: header.bodyLine)
        var tokens: [Range<Int>] = []
        var cloud = PointCloudBuilder(format: .ply)

        func nextDataLine() -> TextLine? {
            while let line = lines.next() {
                tokenize(bytes, line, into: &tokens, stripComment: false)
                if !tokens.isEmpty { return line }
            }
            return nil
        }

        for (elementIndex, element) in header.elements.enumerated() {
            let isVertex = elementIndex == vertexIndex
            if isVertex { cloud = PointCloudBuilder(format: .ply, expected: min(element.count, bytes.count / 32)) }
            for instance in 0..<element.count {
                guard let line = nextDataLine() else {
                    throw InputError(format: .ply, kind: .truncated, location: .line(lines.lineNumber), field: element.name,
                                     message: "file ends after \(instance) of \(element.count) '\(element.name)' elements")
                }
                var xyz: (Float, Float, Float) = (0, 0, 0)
                var token = 0
                func wrongCount(_ detail: String) -> InputError {
                    InputError(format: .ply, kind: .wrongValueCount, location: .line(line.number), field: element.name,
                               message: "'\(element.name)' \(instance): \(detail)")
                }
                for (propertyIndex, property) in element.properties.enumerated() {
                    switch property.kind {
                    case .scalar(let type):
                        guard token < tokens.count else { throw wrongCount("no value for property '\(property.name)'") }
                        if isVertex, let axis = slots.axis(of: propertyIndex) {
                            let value = try asciiValue(bytes, tokens[token], type: type, line: line.number, axis: axis,
                                                       point: instance)
                            switch axis {
                            case 0: xyz.0 = value
                            case 1: xyz.1 = value
                            default: xyz.2 = value
                            }
                        }
                        token += 1
                    case .list(let countType, _):
                        guard token < tokens.count else { throw wrongCount("no length for list '\(property.name)'") }
                        guard let length = NumberParser.int(bytes, tokens[token]), countType.integerRange.contains(length),
                              length >= 0 else {
                            throw InputError(format: .ply, kind: .badNumber, location: .line(line.number), field: property.name,
                                             message: "list length \(tokenText(bytes, tokens[token])) is not a valid count")
                        }
                        token += 1
                        guard length <= tokens.count - token else {
                            throw wrongCount("list '\(property.name)' declares \(length) entries, the line has \(tokens.count - token)")
                        }
                        token += length
                    }
                }
                guard token == tokens.count else {
                    throw wrongCount("\(tokens.count) values on the line, the header's properties take \(token)")
                }
                if isVertex { try cloud.append(xyz.0, xyz.1, xyz.2, at: .line(line.number)) }
            }
        }
        if let extra = nextDataLine() {
            throw InputError(format: .ply, kind: .trailingData, location: .line(extra.number),
                             message: "data after the last element the header declares")
        }
        return try cloud.finish()
    }

    /// An ascii coordinate: integer syntax (and range) for integer-typed properties, decimal for float ones.
    private static func asciiValue(_ bytes: [UInt8], _ token: Range<Int>, type: PLYScalarType, line: Int, axis: Int,
                                   point: Int) throws(InputError) -> Float {
        guard type.isInteger else {
            return try XYZDecoder.coordinate(bytes, token, axis: axis, line: line, point: point, format: .ply)
        }
        guard let value = NumberParser.int(bytes, token), type.integerRange.contains(value) else {
            throw InputError(format: .ply, kind: .badNumber, location: .line(line), field: XYZDecoder.axisName(axis),
                             message: "\(tokenText(bytes, token)) is not a valid \(type) value")
        }
        return Float(value)
    }
}
