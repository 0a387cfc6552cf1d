/// The passes of `PointCloudPreprocessor` over xyz-interleaved points, four points (twelve floats, three SIMD4
/// loads) at a time. In every lane the Float → Double → Float operations are the definition's, in its order; where
/// lanes are combined (the max of squared distances) the combination is order-independent. Pointers are valid for
/// `3 × n` floats.
enum PointCloudPasses {
    /// Whether every value is finite: one branch-free pass over the bit patterns (the compiler vectorizes it). A value
    /// is a NaN or infinity iff its magnitude bits are above 0x7f7fffff, i.e. iff magnitude + 2²³ sets bit 31.
    static func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        var acc: UInt32 = 0
        for v in values { acc |= (v.bitPattern & 0x7fff_ffff) &+ 0x0080_0000 }
        return acc & 0x8000_0000 == 0
    }

    /// Per-axis sums in the definition's order: one Double chain per axis, in point order (its rounding depends on
    /// that order, so it is not split into lanes).
    static func sums(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD3<Double> {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0
        for i in 0..<n {
            s0 += Double(p[3 * i]); s1 += Double(p[3 * i + 1]); s2 += Double(p[3 * i + 2])
        }
        return SIMD3(s0, s1, s2)
    }

    /// The largest (dx² + dy²) + dz² with d = Double(x) − mean per axis. Max is exact and order-independent here
    /// (no NaN, and no −0: every q is a sum of squares), so four lanes of running maxima give the definition's value.
    static func largestSquaredDistance(_ p: UnsafePointer<Float>, _ n: Int, mean m: SIMD3<Double>) -> Double {
        let (ma, mb, mc) = patterns(m)
        var best = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 4 <= n {
            let (v0, v1, v2) = load12(p + 3 * i)
            let da = SIMD4<Double>(v0) - ma, db = SIMD4<Double>(v1) - mb, dc = SIMD4<Double>(v2) - mc
            let sa = da * da, sb = db * db, sc = dc * dc
            let x = SIMD4(sa[0], sa[3], sb[2], sc[1]), y = SIMD4(sa[1], sb[0], sb[3], sc[2]), z = SIMD4(sa[2], sb[1], sc[0], sc[3])
            let q = x + y + z
            best.replace(with: q, where: q .> best)
            i += 4
        }
        var largest = max(max(best[0], best[1]), max(best[2], best[3]))
        while i < n {
            let d0 = Double(p[3 * i]) - m.x, d1 = Double(p[3 * i + 1]) - m.y, d2 = Double(p[3 * i + 2]) - m.z
            let q = d0 * d0 + d1 * d1 + d2 * d2
            largest = q > largest ? q : largest
            i += 1
        }
        return largest
    }

    /// o[j] = Float((Double(p[j]) − mean[j mod 3]) × scale) for the first `n` points (the elementwise definition).
    static func normalize(_ p: UnsafePointer<Float>, _ n: Int, mean m: SIMD3<Double>, scale: Double, into o: UnsafeMutablePointer<Float>) {
        let (ma, mb, mc) = patterns(m)
        let s = SIMD4<Double>(repeating: scale)
        var i = 0
        while i + 4 <= n {
            let (v0, v1, v2) = load12(p + 3 * i)
            let out = UnsafeMutableRawPointer(o + 3 * i)
            out.storeBytes(of: SIMD4<Float>((SIMD4<Double>(v0) - ma) * s), toByteOffset: 0, as: SIMD4<Float>.self)
            out.storeBytes(of: SIMD4<Float>((SIMD4<Double>(v1) - mb) * s), toByteOffset: 16, as: SIMD4<Float>.self)
            out.storeBytes(of: SIMD4<Float>((SIMD4<Double>(v2) - mc) * s), toByteOffset: 32, as: SIMD4<Float>.self)
            i += 4
        }
        while i < n {
            o[3 * i] = Float((Double(p[3 * i]) - m.x) * scale)
            o[3 * i + 1] = Float((Double(p[3 * i + 1]) - m.y) * scale)
            o[3 * i + 2] = Float((Double(p[3 * i + 2]) - m.z) * scale)
            i += 1
        }
    }

    /// The mean laid out as the three loads of `load12` see the axes.
    @inline(__always)
    private static func patterns(_ m: SIMD3<Double>) -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
        (SIMD4(m.x, m.y, m.z, m.x), SIMD4(m.y, m.z, m.x, m.y), SIMD4(m.z, m.x, m.y, m.z))
    }

    /// Four points: (x0 y0 z0 x1), (y1 z1 x2 y2), (z2 x3 y3 z3).
    @inline(__always)
    private static func load12(_ p: UnsafePointer<Float>) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        let raw = UnsafeRawPointer(p)
        return (raw.loadUnaligned(as: SIMD4<Float>.self), raw.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self),
                raw.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self))
    }
}
