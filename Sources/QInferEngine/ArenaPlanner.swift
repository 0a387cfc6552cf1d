/// Assigns every value an offset in one arena so values that are never live at the same time share memory.
/// First fit over a free list, in execution order: BiPointNet's 1024-point activations would otherwise need one
/// buffer per layer, which a 1 GB board does not have to spare.
struct ArenaPlanner {
    struct Interval { var offset: Int; var size: Int }
    private var free: [Interval] = []
    private(set) var size = 0

    mutating func allocate(_ bytes: Int) -> Int {
        let need = (bytes + 63) / 64 * 64
        if let i = free.firstIndex(where: { $0.size >= need }) {
            let hole = free[i]
            if hole.size == need { free.remove(at: i) } else { free[i] = Interval(offset: hole.offset + need, size: hole.size - need) }
            return hole.offset
        }
        // grow: reuse a hole at the very end if there is one
        if let last = free.last, last.offset + last.size == size {
            free.removeLast()
            size = last.offset + need
            return last.offset
        }
        let offset = size
        size += need
        return offset
    }

    mutating func release(offset: Int, bytes: Int) {
        let need = (bytes + 63) / 64 * 64
        free.append(Interval(offset: offset, size: need))
        free.sort { $0.offset < $1.offset }
        var merged: [Interval] = []
        for hole in free {
            if let last = merged.last, last.offset + last.size == hole.offset {
                merged[merged.count - 1].size += hole.size
            } else {
                merged.append(hole)
            }
        }
        free = merged
    }
}
