/// NumPy-style (multidirectional) broadcasting, as ONNX's elementwise ops define it.
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or nil when an axis pair is neither equal nor 1.
    static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { return nil }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// For every element of `target` (row-major), the index of the element of `source` it reads.
    static func indices(from source: [Int], to target: [Int]) -> [Int] {
        let rank = target.count
        let padded = [Int](repeating: 1, count: rank - source.count) + source
        let srcStrides = NDArray.strides(padded)
        let count = target.reduce(1, *)
        var out = [Int](repeating: 0, count: count)
        var coord = [Int](repeating: 0, count: rank)
        for flat in 0..<count {
            var idx = 0
            for d in 0..<rank where padded[d] != 1 { idx += coord[d] * srcStrides[d] }
            out[flat] = idx
            var d = rank - 1
            while d >= 0 {
                coord[d] += 1
                if coord[d] < target[d] { break }
                coord[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// `values` (of `source` shape) expanded to `target`.
    static func expand<T>(_ values: [T], from source: [Int], to target: [Int]) -> [T] {
        if source == target { return values }
        return indices(from: source, to: target).map { values[$0] }
    }
}
