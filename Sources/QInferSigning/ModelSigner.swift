import Crypto
import QInferModel

/// Signs a .qpack: the file is validated (format and checksum) and its signature section replaced by one made with
/// the given key; every other byte, the checksum included, stays as it was.
public enum ModelSigner {
    /// The signed file's bytes for the .qpack at `path` (which is only read).
    public static func signedBytes(of path: String, key: Curve25519.Signing.PrivateKey) throws(SigningError) -> [UInt8] {
        let model: PackedModel, bytes: [UInt8]
        do {
            let mapping = try MappedFile(path: path)
            model = try PackedModel(bytes: mapping.bytes, owner: mapping)
            bytes = Array(mapping.bytes)
        } catch { throw SigningError("\(path): \(error.message)") }
        let signature: [UInt8]
        do { signature = Array(try key.signature(for: SignatureSlot.message(checksum: model.checksum))) } catch {
            throw SigningError("signing failed: \(error)")
        }
        guard signature.count == SignatureSlot.signatureSize else {
            throw SigningError("signing produced \(signature.count) bytes, an Ed25519 signature is \(SignatureSlot.signatureSize)")
        }
        let slot = SignatureSlot(keyID: SigningKeyID.of(key.publicKey), signature: signature)
        var signed = bytes
        signed.replaceSubrange((signed.count - QPackLayout.signatureSize)..., with: slot.encoded)
        return signed
    }
}
