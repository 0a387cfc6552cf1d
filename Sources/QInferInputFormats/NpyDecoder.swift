/// Decodes NumPy .npy files (format versions 1.0, 2.0, 3.0).
///
/// Accepted dtypes: float32 ('<f4', '>f4'), uint8 ('|u1'), and, converted to float32, int8 ('|i1') and
/// float64 ('<f8', '>f8'; a finite value beyond float32 range is an error, not a silent infinity).
/// Refused: fortran_order True (our kernels are C-order and a silent transpose would be wrong), structured
/// and other dtypes, and any file whose data length is not exactly what the header promises.
enum NpyDecoder {
    private enum ElementType {
        case float32(bigEndian: Bool)
        case float64(bigEndian: Bool)
        case uint8
        case int8
        /// Integer arrays (labels, indices) become float32 when every value is exact there (|v| ≤ 2^24).
        case int32(bigEndian: Bool)
        case int64(bigEndian: Bool)

        var size: Int {
            switch self {
            case .float32, .int32: 4
            case .float64, .int64: 8
            case .uint8, .int8: 1
            }
        }
    }

    static func decode(_ bytes: [UInt8]) throws(InputError) -> Tensor {
        let magic = FormatSniffer.npyMagic
        guard bytes.count >= magic.count + 2 else {
            let isPrefix = bytes.starts(with: magic.prefix(bytes.count))
            throw InputError(format: .npy, kind: isPrefix ? .truncated : .badMagic, location: .byteOffset(isPrefix ? bytes.count : 0),
                             message: "file is \(bytes.count) bytes, shorter than the .npy preamble")
        }
        guard bytes.starts(with: magic) else {
            throw InputError(format: .npy, kind: .badMagic, location: .byteOffset(0),
                             message: "does not start with the .npy magic \\x93NUMPY")
        }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0), (3, 0): lengthSize = 4
        default:
            throw InputError(format: .npy, kind: .unsupported, location: .byteOffset(6), field: "version",
                             message: "format version \(major).\(minor) is not supported (1.0, 2.0, 3.0 are)")
        }
        guard bytes.count >= 8 + lengthSize else {
            throw InputError(format: .npy, kind: .truncated, location: .byteOffset(bytes.count),
                             message: "file ends inside the header length field")
        }
        let headerLength = lengthSize == 2
            ? Int(BinaryScalars.uint16(bytes, at: 8, bigEndian: false))
            : Int(BinaryScalars.uint32(bytes, at: 8, bigEndian: false))
        let headerStart = 8 + lengthSize
        guard headerLength <= bytes.count - headerStart else {
            throw InputError(format: .npy, kind: .truncated, location: .byteOffset(bytes.count), field: "header_len",
                             message: "header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = headerStart + headerLength
        let element: ElementType, shape: [Int]
        if let canonical = NpyCanonicalHeader.parse(bytes, headerStart..<dataStart), let type = elementType(canonical.descr),
           canonical.shape.count <= DecodeLimits.maxDimensions {
            // What np.save writes; the general parser below would give the same type and shape (tested).
            (element, shape) = (type, canonical.shape)
        } else {
            (element, shape) = try interpret(try PythonLiteralParser.parse(bytes, headerStart..<dataStart), at: headerStart)
        }

        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw InputError(format: .npy, kind: .tooLarge, location: .byteOffset(headerStart), field: "shape",
                                 message: "shape \(shape) has more elements than fit in memory")
            }
            count = product
        }
        let available = bytes.count - dataStart
        let (needed, overflow) = count.multipliedReportingOverflow(by: element.size)
        if overflow || needed > available {
            throw InputError(format: .npy, kind: .truncated, location: .byteOffset(bytes.count), field: "shape",
                             message: "shape \(shape) needs \(overflow ? "more than Int.max" : String(needed)) data bytes, file has \(available)")
        }
        if needed < available {
            throw InputError(format: .npy, kind: .trailingData, location: .byteOffset(dataStart + needed),
                             message: "\(available - needed) bytes follow the \(needed) data bytes shape \(shape) needs")
        }
        return Tensor(shape: shape, storage: try convert(bytes, at: dataStart, count: count, element: element))
    }

    /// The element type a dtype string names; nil for the ones refused.
    private static func elementType(_ descr: String) -> ElementType? {
        switch descr {
        case "<f4": .float32(bigEndian: false)
        case ">f4": .float32(bigEndian: true)
        case "<f8": .float64(bigEndian: false)
        case ">f8": .float64(bigEndian: true)
        case "|u1", "<u1", ">u1", "=u1", "u1", "|B", "B": .uint8
        case "|i1", "<i1", ">i1", "=i1", "i1", "|b", "b": .int8
        case "<i4": .int32(bigEndian: false)
        case ">i4": .int32(bigEndian: true)
        case "<i8": .int64(bigEndian: false)
        case ">i8": .int64(bigEndian: true)
        default: nil
        }
    }

    private static func interpret(_ header: PythonLiteral, at offset: Int) throws(InputError) -> (ElementType, [Int]) {
        func headerError(_ kind: InputError.Kind, _ field: String?, _ message: String) -> InputError {
            InputError(format: .npy, kind: kind, location: .byteOffset(offset), field: field, message: message)
        }
        guard case .dict(let items) = header else {
            throw headerError(.malformedHeader, nil, "header is \(header.summary), not a dictionary")
        }
        // numpy itself insists on exactly these keys; anything else means a file we do not understand.
        let required = ["descr", "fortran_order", "shape"]
        for key in required where !items.contains(where: { $0.key == key }) {
            throw headerError(.missingField, key, "header has no '\(key)' key")
        }
        if let extra = items.first(where: { !required.contains($0.key) }) {
            throw headerError(.malformedHeader, extra.key, "unexpected header key '\(extra.key)'")
        }
        func value(_ key: String) -> PythonLiteral { items.first { $0.key == key }!.value }

        guard case .string(let descr) = value("descr") else {
            throw headerError(.unsupported, "descr", "structured dtype \(value("descr").summary) is not supported")
        }
        guard let element = elementType(descr) else {
            throw headerError(.unsupported, "descr", "dtype '\(descr)' is not supported (use <f4, <f8, |u1, |i1, <i4 or <i8)")
        }

        guard case .bool(let fortranOrder) = value("fortran_order") else {
            throw headerError(.malformedHeader, "fortran_order", "fortran_order is \(value("fortran_order").summary), not True or False")
        }
        if fortranOrder {
            throw headerError(.unsupported, "fortran_order",
                              "Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray")
        }

        guard case .tuple(let dims) = value("shape") else {
            throw headerError(.malformedHeader, "shape", "shape is \(value("shape").summary), not a tuple")
        }
        guard dims.count <= DecodeLimits.maxDimensions else {
            throw headerError(.tooLarge, "shape", "shape has \(dims.count) dimensions (at most \(DecodeLimits.maxDimensions))")
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let n) = dim, n >= 0 else {
                throw headerError(.malformedHeader, "shape", "shape entry \(dim.summary) is not a non-negative integer")
            }
            shape.append(n)
        }
        return (element, shape)
    }

    private static func convert(_ bytes: [UInt8], at start: Int, count: Int, element: ElementType) throws(InputError) -> Tensor.Storage {
        switch element {
        case .uint8:
            return .uint8(Array(bytes[start..<(start + count)]))
        case .int8:
            return .float32(bytes[start..<(start + count)].map { Float(Int8(bitPattern: $0)) })
        case .float32(let bigEndian):
            return .float32(BinaryScalars.float32Array(bytes, at: start, count: count, bigEndian: bigEndian))
        case .int32(let bigEndian), .int64(let bigEndian):
            let wide = element.size == 8
            var values = [Float]()
            values.reserveCapacity(count)
            for index in 0..<count {
                let at = start + index * element.size
                let v = wide ? Int64(bitPattern: BinaryScalars.uint64(bytes, at: at, bigEndian: bigEndian))
                             : Int64(Int32(bitPattern: BinaryScalars.uint32(bytes, at: at, bigEndian: bigEndian)))
                guard v.magnitude <= 1 << 24 else {
                    throw InputError(format: .npy, kind: .badValue, location: .byteOffset(at),
                                     message: "integer element \(index) = \(v) is not exact as float32 (|v| ≤ 16777216)")
                }
                values.append(Float(v))
            }
            return .float32(values)
        case .float64(let bigEndian):
            var values = [Float]()
            values.reserveCapacity(count)
            for index in 0..<count {
                let wide = Double(bitPattern: BinaryScalars.uint64(bytes, at: start + index * 8, bigEndian: bigEndian))
                let narrow = Float(wide)
                // NaN and ±inf carry over as they are; a finite double that float32 cannot hold is an error.
                if wide.isFinite && !narrow.isFinite {
                    throw InputError(format: .npy, kind: .badValue, location: .byteOffset(start + index * 8),
                                     message: "float64 element \(index) = \(wide) is beyond float32 range")
                }
                values.append(narrow)
            }
            return .float32(values)
        }
    }
}
