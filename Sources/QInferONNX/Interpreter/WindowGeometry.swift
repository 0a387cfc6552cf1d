/// Geometry of a Conv or pooling window over the spatial axes (1-D to 3-D), resolved from ONNX attributes.
struct WindowGeometry: Equatable {
    var input: [Int]
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var padBegin: [Int]
    var padEnd: [Int]
    var output: [Int]

    init(_ ctx: NodeContext, input: [Int], kernel: [Int], ceilMode: Bool = false) throws(ImportError) {
        let r = input.count
        guard (1...3).contains(r) else { throw ctx.error("\(r)-D windows are not supported (1-D to 3-D are)") }
        if let ks = try ctx.ints("kernel_shape"), ks != kernel {
            throw ctx.error("kernel_shape \(ks) does not match the weights' \(kernel)")
        }
        let strides = try ctx.ints("strides") ?? Array(repeating: 1, count: r)
        let dilations = try ctx.ints("dilations") ?? Array(repeating: 1, count: r)
        guard strides.count == r, strides.allSatisfy({ (1...4096).contains($0) }) else { throw ctx.error("strides \(strides) are invalid") }
        guard dilations.count == r, dilations.allSatisfy({ (1...4096).contains($0) }) else { throw ctx.error("dilations \(dilations) are invalid") }
        guard kernel.count == r, kernel.allSatisfy({ (1...4096).contains($0) }) else { throw ctx.error("kernel \(kernel) is invalid") }
        let autoPad = try ctx.string("auto_pad", default: "NOTSET")
        var begin = [Int](repeating: 0, count: r), end = [Int](repeating: 0, count: r)
        var output = [Int](repeating: 0, count: r)
        for d in 0..<r {
            let span = (kernel[d] - 1) * dilations[d] + 1
            switch autoPad {
            case "NOTSET", "VALID":
                if autoPad == "NOTSET", let pads = try ctx.ints("pads") {
                    guard pads.count == 2 * r, pads.allSatisfy({ (0...4096).contains($0) }) else { throw ctx.error("pads \(pads) are invalid") }
                    begin[d] = pads[d]; end[d] = pads[d + r]
                }
                let total = input[d] + begin[d] + end[d] - span
                guard total >= 0 else { throw ctx.error("a window of \(span) does not fit input size \(input[d]) with pads \(begin[d]),\(end[d])") }
                var out = (ceilMode ? (total + strides[d] - 1) / strides[d] : total / strides[d]) + 1
                // A window must start inside the input or its begin padding (ONNX/PyTorch ceil_mode rule).
                if ceilMode && (out - 1) * strides[d] >= input[d] + begin[d] { out -= 1 }
                output[d] = out
            case "SAME_UPPER", "SAME_LOWER":
                let out = (input[d] + strides[d] - 1) / strides[d]
                let total = max((out - 1) * strides[d] + span - input[d], 0)
                begin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                end[d] = total - begin[d]
                output[d] = out
            default:
                throw ctx.error("auto_pad '\(autoPad)' is not supported")
            }
        }
        self.input = input; self.kernel = kernel; self.strides = strides; self.dilations = dilations
        self.padBegin = begin; self.padEnd = end; self.output = output
    }

    /// The same geometry with 1-D windows seen as 2-D ones of height 1 (1-D and 2-D windows only).
    var as2D: (h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int, pt: Int, pl: Int, oh: Int, ow: Int) {
        if input.count == 2 {
            return (input[0], input[1], kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1],
                    padBegin[0], padBegin[1], output[0], output[1])
        }
        return (1, input[0], 1, kernel[0], 1, strides[0], 1, dilations[0], 0, padBegin[0], 1, output[0])
    }
}
