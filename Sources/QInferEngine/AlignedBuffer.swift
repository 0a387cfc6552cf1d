/// One 64-byte-aligned allocation owned by the engine for its lifetime (the arena, the prepared constants).
final class AlignedBuffer {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(bytes: Int) {
        count = max(bytes, 64)
        base = .allocate(byteCount: count, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
    }

    deinit { base.deallocate() }
}

/// Bump allocation of 64-byte-aligned pieces inside an AlignedBuffer, sized in a first pass.
struct BumpLayout {
    private(set) var size = 0

    /// Reserves `bytes` and returns the offset.
    mutating func reserve(_ bytes: Int) -> Int {
        let offset = size
        size += (bytes + 63) / 64 * 64
        return offset
    }
}
