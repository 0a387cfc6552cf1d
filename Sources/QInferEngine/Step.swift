import QInferKernels

/// Geometry of a 2-D pooling window over an NHWC map.
struct PoolGeometry {
    var h: Int, w: Int, c: Int, kernel: Int, stride: Int, padTop: Int, padLeft: Int, oh: Int, ow: Int
}

/// One operation of a plan with every pointer resolved at load: running a step allocates nothing.
enum Step {
    /// FP32 dense and convolution (weights prepared at load), their output stage possibly carrying a fused hardtanh
    /// and sign-pack (qk_f32_epilogue).
    case dense(qk_f32_dense_args)
    case conv2d(qk_f32_conv2d_args)
    /// One pass over a float tensor: an add (the epilogue's residual), a hardtanh, a sign-pack, or a chain of them.
    case eltwise(a: UnsafePointer<Float>, rows: Int, c: Int, qk_f32_epilogue)
    case signPack(x: UnsafePointer<Float>, rows: Int, c: Int, out: UnsafeMutablePointer<UInt64>)
    case bgemm(qk_bgemm_args)
    case bconv2d(qk_bconv2d_args, workspace: UnsafeMutableRawPointer)
    /// A binary layer whose float output only the max over points reads, computed without that output.
    case bmaxpool(qk_bmaxpool_args)
    case affine(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, c: Int, mul: UnsafePointer<Float>,
                add: UnsafePointer<Float>)
    case scale(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, value: Float)
    case relu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case pointMaxPool(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, points: Int, c: Int, offset: Float)
    case maxPool2d(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, PoolGeometry)
    case avgPool2d(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, PoolGeometry, countIncludePad: Bool)
    case globalAvgPool(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pixels: Int, c: Int)
    case shortcutA(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, h: Int, w: Int, c: Int, stride: Int, oh: Int,
                   ow: Int, oc: Int)
    case copy(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case softmax(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case sign(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    /// Concatenation: for each of `outer` blocks, each input's block of `blocks[i]` floats in turn.
    case concat(inputs: [UnsafePointer<Float>], blocks: [Int], outer: Int, y: UnsafeMutablePointer<Float>)

    /// The kernel's name as the profiler prints it; a fused output stage adds its parts (`conv2d+clamp+sign_pack`).
    var kernelName: String {
        func stage(_ base: String, _ out: qk_f32_epilogue) -> String {
            var name = base
            if out.residual != nil && base != "add" { name += "+add" }
            if out.clamp != 0 && base != "clamp" { name += "+clamp" }
            if out.bits != nil { name += "+sign_pack" }
            return name
        }
        switch self {
        case .dense(let a): return stage("dense", a.out)
        case .conv2d(let a): return stage("conv2d", a.out)
        case let .eltwise(_, _, _, out):
            if out.residual != nil { return stage("add", out) }
            return out.clamp != 0 ? stage("clamp", out) : stage("copy", out)
        case .signPack: return "sign_pack"
        case .bgemm: return "bgemm"
        case .bconv2d: return "bconv2d"
        case .bmaxpool: return "bgemm+point_max_pool"
        case .affine: return "affine"
        case .scale: return "scale"
        case .relu: return "relu"
        case .pointMaxPool: return "point_max_pool"
        case .maxPool2d: return "max_pool2d"
        case .avgPool2d: return "avg_pool2d"
        case .globalAvgPool: return "global_avg_pool"
        case .shortcutA: return "shortcut_a"
        case .copy: return "copy"
        case .softmax: return "softmax"
        case .sign: return "sign"
        case .concat: return "concat"
        }
    }

    func run(isa: qk_isa, pool: OpaquePointer?, threads: Int32) {
        switch self {
        case var .dense(args):
            qk_f32_dense_mt(isa, pool, threads, &args)
        case var .conv2d(args):
            qk_f32_conv2d_mt(isa, pool, threads, &args)
        case .eltwise(let a, let rows, let c, var out):
            qk_f32_eltwise(isa, rows, c, a, &out)
        case let .signPack(x, rows, c, out):
            qk_bitpack_f32(isa, x, rows, c, c, out, qk_words(c))
        case var .bgemm(args):
            qk_bgemm_mt(isa, pool, threads, &args)
        case .bconv2d(var args, let workspace):
            qk_bconv2d(isa, pool, threads, &args, workspace)
        case let .affine(x, y, rows, c, mul, add):
            FloatOps.affine(x, y, rows: rows, c: c, mul: mul, add: add)
        case let .scale(x, y, count, value):
            for i in 0..<count { y[i] = x[i] * value }
        case let .relu(x, y, count):
            for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
        case let .pointMaxPool(x, y, points, c, offset):
            FloatOps.pointMaxPool(x, y, points: points, c: c, offset: offset)
        case var .bmaxpool(args):
            qk_bmaxpool(isa, pool, threads, &args)
        case let .maxPool2d(x, y, g):
            FloatOps.maxPool2d(x, y, g)
        case let .avgPool2d(x, y, g, includePad):
            FloatOps.avgPool2d(x, y, g, countIncludePad: includePad)
        case let .globalAvgPool(x, y, pixels, c):
            FloatOps.globalAvgPool(x, y, pixels: pixels, c: c)
        case let .shortcutA(x, y, h, w, c, stride, oh, ow, oc):
            FloatOps.shortcutA(x, y, h: h, w: w, c: c, stride: stride, oh: oh, ow: ow, oc: oc)
        case let .copy(x, y, count):
            y.update(from: x, count: count)
        case let .softmax(x, y, count):
            FloatOps.softmax(x, y, count: count)
        case let .concat(inputs, blocks, outer, y):
            var dst = y
            for o in 0..<outer {
                // Index loops, no iterators: an unoptimized build stays allocation-free too.
                for i in 0..<inputs.count {
                    let n = blocks[i]
                    dst.update(from: inputs[i] + o * n, count: n)
                    dst += n
                }
            }
        case let .sign(x, y, count):
            for i in 0..<count { y[i] = x[i] > 0 ? 1 : (x[i] < 0 ? -1 : 0) }
        }
    }
}
