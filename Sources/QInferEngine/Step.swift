import QInferKernels

/// Geometry of a 2-D pooling window over an NHWC map.
struct PoolGeometry {
    var h: Int, w: Int, c: Int, kernel: Int, stride: Int, padTop: Int, padLeft: Int, oh: Int, ow: Int
}

/// One operation of a plan with every pointer resolved at load: running a step allocates nothing.
enum Step {
    case dense(rows: Int, k: Int, n: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
               y: UnsafeMutablePointer<Float>)
    case conv2d(qk_f32_conv2d_args)
    case signPack(x: UnsafePointer<Float>, rows: Int, c: Int, out: UnsafeMutablePointer<UInt64>)
    case bgemm(qk_bgemm_args)
    case bconv2d(qk_bconv2d_args, workspace: UnsafeMutableRawPointer)
    case affine(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, c: Int, mul: UnsafePointer<Float>,
                add: UnsafePointer<Float>)
    case scale(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, value: Float)
    case clamp(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, min: Float, max: Float)
    case relu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case pointMaxPool(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, points: Int, c: Int, offset: Float)
    /// A binary layer with float outputs whose only reader is a max over the points, run `tile` rows at a time into
    /// the scratch its `args.out` points at: the same values as bgemm then pointMaxPool, without the [points, c]
    /// matrix (4 MB per engine for BiPointNet's 1024 × 1024 layer, more than a Pi's L2).
    case bgemmMaxPool(qk_bgemm_args, rows: Int, tile: Int, y: UnsafeMutablePointer<Float>, offset: Float)
    case maxPool2d(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, PoolGeometry)
    case avgPool2d(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, PoolGeometry, countIncludePad: Bool)
    case globalAvgPool(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pixels: Int, c: Int)
    case add(a: UnsafePointer<Float>, b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case shortcutA(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, h: Int, w: Int, c: Int, stride: Int, oh: Int,
                   ow: Int, oc: Int)
    case copy(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case softmax(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    case sign(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int)
    /// Concatenation: for each of `outer` blocks, each input's block of `blocks[i]` floats in turn.
    case concat(inputs: [UnsafePointer<Float>], blocks: [Int], outer: Int, y: UnsafeMutablePointer<Float>)

    /// The kernel's name as the profiler prints it.
    var kernelName: String {
        switch self {
        case .dense: "dense"
        case .conv2d: "conv2d"
        case .signPack: "sign_pack"
        case .bgemm: "bgemm"
        case .bconv2d: "bconv2d"
        case .affine: "affine"
        case .scale: "scale"
        case .clamp: "clamp"
        case .relu: "relu"
        case .pointMaxPool: "point_max_pool"
        case .bgemmMaxPool: "bgemm+point_max_pool"
        case .maxPool2d: "max_pool2d"
        case .avgPool2d: "avg_pool2d"
        case .globalAvgPool: "global_avg_pool"
        case .add: "add"
        case .shortcutA: "shortcut_a"
        case .copy: "copy"
        case .softmax: "softmax"
        case .sign: "sign"
        case .concat: "concat"
        }
    }

    func run(isa: qk_isa, pool: OpaquePointer?, threads: Int32) {
        switch self {
        case let .dense(rows, k, n, x, w, bias, y):
            qk_f32_dense(rows, k, n, x, w, bias, y)
        case var .conv2d(args):
            qk_f32_conv2d(&args)
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
        case let .clamp(x, y, count, lo, hi):
            for i in 0..<count { y[i] = Swift.min(Swift.max(x[i], lo), hi) }
        case let .relu(x, y, count):
            for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
        case let .pointMaxPool(x, y, points, c, offset):
            FloatOps.pointMaxPool(x, y, points: points, c: c, offset: offset)
        case .bgemmMaxPool(var args, let rows, let tile, let y, let offset):
            let a = args.a!, corr = args.row_corr, c = args.n
            let scratch = args.out.out!.assumingMemoryBound(to: Float.self)
            var r0 = 0
            while r0 < rows {
                let m = Swift.min(tile, rows - r0)
                args.m = m
                args.a = a + r0 * args.lda
                args.row_corr = corr.map { $0 + r0 }
                qk_bgemm_mt(isa, pool, threads, &args)
                FloatOps.maxRowsInto(scratch, y, rows: m, c: c, first: r0 == 0)
                r0 += m
            }
            for j in 0..<c { y[j] += offset }
        case let .maxPool2d(x, y, g):
            FloatOps.maxPool2d(x, y, g)
        case let .avgPool2d(x, y, g, includePad):
            FloatOps.avgPool2d(x, y, g, countIncludePad: includePad)
        case let .globalAvgPool(x, y, pixels, c):
            FloatOps.globalAvgPool(x, y, pixels: pixels, c: c)
        case let .add(a, b, y, count):
            for i in 0..<count { y[i] = a[i] + b[i] }
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
