/// Decodes the bytes of an input file into a point cloud, frame or tensor.
///
/// - Parameters:
///   - bytes: the whole file.
///   - format: the format to decode as; nil picks it from `name`'s extension, else from the content's
///     signature, else (when `shape` is given) raw float32.
///   - name: the file name or path, used to pick the format and in every error message.
///   - shape: the tensor shape; required for raw .f32, checked against the header for .npy, and refused
///     for point clouds and images (whose size comes from the file), so a misplaced --shape is never ignored.
/// - Throws: `InputError` naming the file, format and the line, byte offset or point that is wrong.
public func decodeInput(_ bytes: some Collection<UInt8>, format: InputFormat? = nil, name: String,
                        shape: [Int]? = nil) throws(InputError) -> DecodedInput {
    let array = bytes as? [UInt8] ?? Array(bytes)
    do throws(InputError) {
        let chosen = if let format { format } else { try detectFormat(array, name: name, shape: shape) }
        return try decode(array, format: chosen, shape: shape)
    } catch {
        var named = error
        named.name = name
        throw named
    }
}

private func detectFormat(_ bytes: [UInt8], name: String, shape: [Int]?) throws(InputError) -> InputFormat {
    if let format = InputFormat(fileName: name) ?? InputFormat(sniffing: bytes) { return format }
    if shape != nil { return .f32 }
    throw InputError(format: nil, kind: .unknownFormat,
                     message: "cannot tell the format from the name or the content; known extensions: "
                        + InputFormat.allCases.map { "." + $0.rawValue }.joined(separator: " ")
                        + " (raw float32 needs .f32 or a shape)")
}

private func decode(_ bytes: [UInt8], format: InputFormat, shape: [Int]?) throws(InputError) -> DecodedInput {
    switch format {
    case .f32:
        return .tensor(try RawF32Decoder.decode(bytes, shape: shape))
    case .npy:
        let tensor = try NpyDecoder.decode(bytes)
        if let shape, shape != tensor.shape {
            throw InputError(format: .npy, kind: .sizeMismatch, field: "shape",
                             message: "array has shape \(tensor.shape), the caller expects \(shape)")
        }
        return .tensor(tensor)
    case .xyz, .pts:
        try refuseShape(shape, format)
        return .pointCloud(try XYZDecoder.decode(bytes, format: format))
    case .ply:
        try refuseShape(shape, format)
        return .pointCloud(try PLYDecoder.decode(bytes))
    case .pcd:
        try refuseShape(shape, format)
        return .pointCloud(try PCDDecoder.decode(bytes))
    case .pgm, .ppm:
        try refuseShape(shape, format)
        return .frame(try NetpbmDecoder.decode(bytes, format: format))
    case .png:
        try refuseShape(shape, format)
        return .frame(try PNGDecoder.decode(bytes))
    }
}

private func refuseShape(_ shape: [Int]?, _ format: InputFormat) throws(InputError) {
    guard shape == nil else {
        throw InputError(format: format, kind: .badShape, field: "shape",
                         message: "a shape only applies to .f32 and .npy inputs; .\(format.rawValue) files carry their own size")
    }
}
