import Testing
import QInferRandom
@testable import QInferInputFormats

/// Decodes and returns the error, recording a test failure (at the caller's line) if decoding succeeds.
func decodeError(_ bytes: [UInt8], format: InputFormat? = nil, name: String = "input", shape: [Int]? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) -> InputError? {
    do {
        let value = try decodeInput(bytes, format: format, name: name, shape: shape)
        Issue.record("expected an error, decoded \(summary(value))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Asserts that decoding fails with this kind, and when given, this location and field.
func expectFailure(_ bytes: [UInt8], _ format: InputFormat?, name: String = "input", shape: [Int]? = nil,
                   kind: InputError.Kind, at location: InputError.Location? = nil, field: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error = decodeError(bytes, format: format, name: name, shape: shape, sourceLocation: sourceLocation) else { return }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    if let location { #expect(error.location == location, "\(error)", sourceLocation: sourceLocation) }
    if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
    #expect(error.description.contains(name), sourceLocation: sourceLocation)
    #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
}

/// Decodes, recording a failure with the error's description if decoding throws.
func decodeOK(_ bytes: [UInt8], _ format: InputFormat? = nil, name: String = "input", shape: [Int]? = nil,
              sourceLocation: SourceLocation = #_sourceLocation) -> DecodedInput? {
    do {
        return try decodeInput(bytes, format: format, name: name, shape: shape)
    } catch {
        Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

func pointCloud(_ bytes: [UInt8], _ format: InputFormat? = nil, name: String = "input",
                sourceLocation: SourceLocation = #_sourceLocation) -> PointCloud? {
    guard let value = decodeOK(bytes, format, name: name, sourceLocation: sourceLocation) else { return nil }
    guard case .pointCloud(let cloud) = value else {
        Issue.record("expected a point cloud, got \(summary(value))", sourceLocation: sourceLocation)
        return nil
    }
    return cloud
}

func frame(_ bytes: [UInt8], _ format: InputFormat? = nil, name: String = "input",
           sourceLocation: SourceLocation = #_sourceLocation) -> Frame? {
    guard let value = decodeOK(bytes, format, name: name, sourceLocation: sourceLocation) else { return nil }
    guard case .frame(let frame) = value else {
        Issue.record("expected a frame, got \(summary(value))", sourceLocation: sourceLocation)
        return nil
    }
    return frame
}

func tensor(_ bytes: [UInt8], _ format: InputFormat? = nil, name: String = "input", shape: [Int]? = nil,
            sourceLocation: SourceLocation = #_sourceLocation) -> Tensor? {
    guard let value = decodeOK(bytes, format, name: name, shape: shape, sourceLocation: sourceLocation) else { return nil }
    guard case .tensor(let tensor) = value else {
        Issue.record("expected a tensor, got \(summary(value))", sourceLocation: sourceLocation)
        return nil
    }
    return tensor
}

func summary(_ value: DecodedInput) -> String {
    switch value {
    case .pointCloud(let cloud): "point cloud of \(cloud.count) points"
    case .frame(let frame): "\(frame.width)×\(frame.height)×\(frame.channels) frame"
    case .tensor(let tensor): "tensor of shape \(tensor.shape)"
    }
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Little-endian (or big-endian) byte images of scalars, for writing binary fixtures by hand.
extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
    mutating func appendLE(_ value: Float) { appendLE(value.bitPattern) }
    mutating func appendBE(_ value: Float) { appendBE(value.bitPattern) }
    mutating func appendLE(_ value: Double) { appendLE(value.bitPattern) }
    mutating func appendBE(_ value: Double) { appendBE(value.bitPattern) }
    mutating func append(_ text: String) { append(contentsOf: text.utf8) }
}
