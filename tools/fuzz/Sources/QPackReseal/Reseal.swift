import Crypto
import QInferModel

/// Rewrites the header's checksum field to the SHA-256 the reader will expect, assuming the signature section is
/// the last 128 bytes. The reader refuses any other signature placement before it looks at the checksum, so this
/// one assumption is enough for every file that can get that far.
///
/// Written from docs/FORMAT.md rather than calling the reader's own checksum code, so a disagreement between the
/// two shows up as a reader refusing a file it should have accepted.
///
/// Returns whether any byte changed; files too short to have a header, a table and a signature are left alone.
public func resealChecksum(_ file: UnsafeMutableRawBufferPointer) -> Bool {
    let field = QPackLayout.checksumOffset..<(QPackLayout.checksumOffset + QPackLayout.checksumSize)
    let signatureStart = file.count - QPackLayout.signatureSize
    guard file.count >= QPackLayout.headerSize + QPackLayout.sectionEntrySize + QPackLayout.signatureSize else {
        return false
    }
    var hasher = SHA256()
    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[0..<field.lowerBound]))
    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file[field.upperBound..<signatureStart]))
    var changed = false
    for (i, byte) in hasher.finalize().enumerated() where file[field.lowerBound + i] != byte {
        file[field.lowerBound + i] = byte
        changed = true
    }
    return changed
}
