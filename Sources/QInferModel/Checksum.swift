import Crypto

/// SHA-256 over the file minus the checksum field and the signature section (docs/FORMAT.md, "Checksum").
enum Checksum {
    static func digest(of file: UnsafeRawBufferPointer, signature: Range<Int>?) -> [UInt8] {
        var hasher = SHA256()
        let field = QPackLayout.checksumOffset..<(QPackLayout.checksumOffset + QPackLayout.checksumSize)
        var cursor = 0
        for skip in [field, signature].compactMap({ $0 }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if skip.lowerBound > cursor { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[cursor..<skip.lowerBound])) }
            cursor = max(cursor, skip.upperBound)
        }
        if cursor < file.count { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[cursor...])) }
        return Array(hasher.finalize())
    }
}
