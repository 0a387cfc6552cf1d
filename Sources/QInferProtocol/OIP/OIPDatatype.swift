import QInferInputFormats

/// A tensor datatype of the Open Inference Protocol (the spec's "Tensor Data Types"), and how a request's JSON
/// numbers of that type become the engine's storage: UINT8 stays bytes (an image's pixels), every other numeric type
/// becomes float32 where that is exact (or, for FP64, the nearest float32 within its range). BOOL and BYTES carry no
/// numbers a model here could take, so they are refused rather than guessed at.
public enum OIPDatatype: String, CaseIterable, Sendable {
    case bool = "BOOL", bytes = "BYTES"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", fp32 = "FP32", fp64 = "FP64"

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The datatype named `text`, refused with the list when there is none (names are case-sensitive in the spec).
    static func named(_ text: String, input: String) throws(APIFailure) -> OIPDatatype {
        guard let type = OIPDatatype(rawValue: text) else {
            throw APIFailure(.badInput, "input '\(input)': datatype '\(text)' is not an Open Inference Protocol datatype (\(names))")
        }
        return type
    }

    /// The integer range a value of this type must lie in, nil for the float types.
    private var integerRange: ClosedRange<Double>? {
        switch self {
        case .uint8: Self.range(UInt8.self)
        case .uint16: Self.range(UInt16.self)
        case .uint32: Self.range(UInt32.self)
        case .uint64: Self.range(UInt64.self)
        case .int8: Self.range(Int8.self)
        case .int16: Self.range(Int16.self)
        case .int32: Self.range(Int32.self)
        case .int64: Self.range(Int64.self)
        case .bool, .bytes, .fp16, .fp32, .fp64: nil
        }
    }

    /// The 64-bit bounds round to the next power of two as doubles; no matter, since the float32 check below is tighter.
    private static func range<T: FixedWidthInteger>(_: T.Type) -> ClosedRange<Double> { Double(T.min)...Double(T.max) }

    /// Integers beyond ±2^24 have no exact float32; converting them would change the input without a word.
    private static let exactInFloat32: Double = 16_777_216

    /// Refuses BOOL and BYTES before their data is looked at, so the message names the datatype, not a value.
    func requireNumeric(input: String) throws(APIFailure) {
        if self == .bool || self == .bytes { throw unsupported(input: input) }
    }

    private func unsupported(input: String) -> APIFailure {
        APIFailure(.badInput, "input '\(input)': datatype \(rawValue) is not supported; qinferd's models take FP32 tensors "
                   + "(or UINT8 image pixels); other integer types and FP16/FP64 are converted")
    }

    /// The storage for `values` (already checked to be numbers), or a failure naming the first value that does not
    /// fit this datatype or float32.
    func storage(_ values: [Double], input: String) throws(APIFailure) -> Tensor.Storage {
        switch self {
        case .bool, .bytes:
            throw unsupported(input: input)
        case .uint8:
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count)
            for (i, v) in values.enumerated() {
                guard v == v.rounded(), (0...255).contains(v) else { throw outOfType(i, v, input: input, "an integer in 0…255") }
                bytes.append(UInt8(v))
            }
            return .uint8(bytes)
        case .fp16, .fp32, .fp64:
            let limit: Double = self == .fp16 ? 65_504 : Double(Float.greatestFiniteMagnitude)
            var floats = [Float]()
            floats.reserveCapacity(values.count)
            for (i, v) in values.enumerated() {
                guard v.isFinite, abs(v) <= limit else { throw outOfType(i, v, input: input, "a finite \(rawValue) value") }
                floats.append(Float(v))
            }
            return .float32(floats)
        case .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64:
            let range = integerRange ?? 0...0
            var floats = [Float]()
            floats.reserveCapacity(values.count)
            for (i, v) in values.enumerated() {
                guard v == v.rounded(), range.contains(v) else {
                    throw outOfType(i, v, input: input, "an integer in \(Self.text(range.lowerBound))…\(Self.text(range.upperBound))")
                }
                guard abs(v) <= Self.exactInFloat32 else {
                    throw APIFailure(.badInput, "input '\(input)' (\(rawValue)): data[\(i)] is \(Self.text(v)), which float32 cannot hold "
                                     + "exactly (|value| ≤ 16777216); send FP32 to have it rounded")
                }
                floats.append(Float(v))
            }
            return .float32(floats)
        }
    }

    private func outOfType(_ index: Int, _ value: Double, input: String, _ expected: String) -> APIFailure {
        APIFailure(.badInput, "input '\(input)' (\(rawValue)): data[\(index)] is \(Self.text(value)), not \(expected)")
    }

    /// A number as written in JSON: integers without a fraction.
    static func text(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e18 ? String(Int64(v)) : "\(v)"
    }
}
