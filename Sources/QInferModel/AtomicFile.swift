/// Writes a file so that readers see either the old file or the complete new one: a temporary file in the same
/// directory, fsync, rename over the target, fsync of the directory. Nothing half-written is ever left behind.
public enum AtomicFile {
    public static func install(_ bytes: [UInt8], at path: String, mode: UInt32 = 0o644) throws(ModelError) {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        try StagedFile(bytes, in: dir, prefix: ".\(name).", mode: mode).commit(as: name)
    }
}
