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
        guard let chosen = format ?? InputFormat.detect(name: name, bytes: array, shape: shape) else {
            throw InputError(format: nil, kind: .unknownFormat,
                             message: "cannot tell the format from the name or the content; known extensions: "
                                + InputFormat.allCases.map { "." + $0.rawValue }.joined(separator: " ")
                                + " (raw float32 needs .f32 or a shape)")
        }
        if let problem = chosen.shapeProblem(shape) { throw problem.inputError }
        return try decode(array, format: chosen, shape: shape)
    } catch {
        var named = error
        named.name = name
        throw named
    }
}

/// `shape` has passed `InputFormat.shapeProblem`.
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
        return .pointCloud(try XYZDecoder.decode(bytes, format: format))
    case .ply:
        return .pointCloud(try PLYDecoder.decode(bytes))
    case .pcd:
        return .pointCloud(try PCDDecoder.decode(bytes))
    case .pgm, .ppm:
        return .frame(try NetpbmDecoder.decode(bytes, format: format))
    case .png:
        return .frame(try PNGDecoder.decode(bytes))
    }
}
