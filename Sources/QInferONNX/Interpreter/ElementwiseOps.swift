#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise ops in ONNX semantics: binary arithmetic with broadcasting and the unary math used by weight
/// transforms (Libra-PB) and activations.
enum ElementwiseOps {
    static let binary: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow"]
    static let unary: Set<String> = ["Relu", "Sign", "Abs", "Sqrt", "Log", "Exp", "Neg", "Reciprocal", "Round", "Floor", "Ceil"]

    static func binary(_ ctx: NodeContext, _ a: NDArray, _ b: NDArray) throws(ImportError) -> NDArray {
        guard let shape = Broadcast.shape(a.shape, b.shape) else {
            throw ctx.error("'\(ctx.inputName(0))' \(a.shape) and '\(ctx.inputName(1))' \(b.shape) do not broadcast")
        }
        try ctx.checkShape(shape)
        guard a.isConstant && b.isConstant else { return .shapeOnly(shape) }
        let ia = Broadcast.indices(from: a.shape, to: shape), ib = Broadcast.indices(from: b.shape, to: shape)
        if case .i64(let x) = a.elements, case .i64(let y) = b.elements, ctx.opType != "Pow" {
            var out = [Int64](repeating: 0, count: ia.count)
            for i in 0..<ia.count {
                let u = x[ia[i]], v = y[ib[i]]
                switch ctx.opType {
                case "Add": out[i] = u &+ v
                case "Sub": out[i] = u &- v
                case "Mul": out[i] = u &* v
                default:
                    guard v != 0 else { throw ctx.error("integer division by zero") }
                    out[i] = u / v
                }
            }
            return NDArray(shape: shape, ints: out)
        }
        let x = a.floats!, y = b.floats!
        var out = [Float](repeating: 0, count: ia.count)
        for i in 0..<ia.count {
            let u = x[ia[i]], v = y[ib[i]]
            switch ctx.opType {
            case "Add": out[i] = u + v
            case "Sub": out[i] = u - v
            case "Mul": out[i] = u * v
            case "Div": out[i] = u / v
            default: out[i] = powf(u, v)
            }
        }
        return NDArray(shape: shape, floats: out)
    }

    static func unary(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        guard x.isConstant else { return .shapeOnly(x.shape) }
        if case .i64(let v) = x.elements {
            switch ctx.opType {
            case "Abs": return NDArray(shape: x.shape, ints: v.map { $0 < 0 ? -$0 : $0 })
            case "Neg": return NDArray(shape: x.shape, ints: v.map { -$0 })
            case "Sign": return NDArray(shape: x.shape, ints: v.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
            case "Relu": return NDArray(shape: x.shape, ints: v.map { max($0, 0) })
            default: break
            }
        }
        let v = x.floats!
        let out: [Float]
        switch ctx.opType {
        case "Relu": out = v.map { $0 > 0 ? $0 : 0 }
        case "Sign": out = v.map(sign)
        case "Abs": out = v.map { abs($0) }
        case "Sqrt": out = v.map { sqrtf($0) }
        case "Log": out = v.map { logf($0) }
        case "Exp": out = v.map { expf($0) }
        case "Neg": out = v.map { -$0 }
        case "Reciprocal": out = v.map { 1 / $0 }
        case "Round": out = v.map { $0.rounded(.toNearestOrEven) } // ONNX rounds halves to even
        case "Floor": out = v.map { $0.rounded(.down) }
        case "Ceil": out = v.map { $0.rounded(.up) }
        default: throw ctx.error("not a unary op")
        }
        return NDArray(shape: x.shape, floats: out)
    }

    /// ONNX Sign: −1, 0 or +1 (NaN stays NaN).
    static func sign(_ v: Float) -> Float { v > 0 ? 1 : (v < 0 ? -1 : (v == 0 ? 0 : v)) }

    /// Clip bounds: attributes before opset 11, optional constant inputs from 11 on.
    static func clipBounds(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> (Float, Float) {
        if ctx.opset < 11 {
            return (try ctx.float("min", default: -Float.greatestFiniteMagnitude),
                    try ctx.float("max", default: Float.greatestFiniteMagnitude))
        }
        func bound(_ i: Int, _ fallback: Float) throws(ImportError) -> Float {
            guard i < inputs.count, let t = inputs[i] else { return fallback }
            guard let v = t.floats, v.count == 1 else { throw ctx.error("input \(i) (\(i == 1 ? "min" : "max")) must be a constant scalar") }
            return v[0]
        }
        return (try bound(1, -Float.greatestFiniteMagnitude), try bound(2, Float.greatestFiniteMagnitude))
    }

    static func clip(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        let (lo, hi) = try clipBounds(ctx, inputs)
        guard let v = x.floats else { return .shapeOnly(x.shape) }
        return NDArray(shape: x.shape, floats: v.map { min(max($0, lo), hi) })
    }

    static func softmax(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        let rank = x.shape.count
        var axis = try ctx.int("axis", default: ctx.opset < 13 ? 1 : -1)
        if axis < 0 { axis += rank }
        guard (0..<rank).contains(axis) else { throw ctx.error("axis \(axis) is out of range for rank \(rank)") }
        guard let v = x.floats else { return .shapeOnly(x.shape) }
        // Before opset 13 the input is coerced to 2-D at `axis`; from 13 on softmax runs along that one axis.
        let outer = x.shape[..<axis].reduce(1, *)
        let inner = ctx.opset < 13 ? 1 : x.shape[(axis + 1)...].reduce(1, *)
        let n = ctx.opset < 13 ? x.shape[axis...].reduce(1, *) : x.shape[axis]
        var out = v
        for o in 0..<outer {
            for i in 0..<inner {
                var m = -Float.infinity
                for k in 0..<n { m = max(m, v[(o * n + k) * inner + i]) }
                var sum: Float = 0
                for k in 0..<n { let e = expf(v[(o * n + k) * inner + i] - m); out[(o * n + k) * inner + i] = e; sum += e }
                for k in 0..<n { out[(o * n + k) * inner + i] /= sum }
            }
        }
        return NDArray(shape: x.shape, floats: out)
    }

    static func cast(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        let to = try ctx.int("to")
        switch to {
        case 1: return x.isConstant ? NDArray(shape: x.shape, floats: x.floats!) : .shapeOnly(x.shape)
        case 6, 7:
            guard let f = x.floats else { return .shapeOnly(x.shape) }
            return NDArray(shape: x.shape, ints: f.map { $0.isFinite ? Int64($0.rounded(.towardZero)) : 0 })
        default: throw ctx.error("Cast to data type \(to) is not supported (float and int32/int64 are)")
        }
    }
}
