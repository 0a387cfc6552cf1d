import Crypto
import QInferModel

/// Key ids: the first 8 bytes of SHA-256 of the raw 32-byte Ed25519 public key (what the signature slot records).
public enum SigningKeyID {
    public static func of(_ key: Curve25519.Signing.PublicKey) -> [UInt8] {
        Array(SHA256.hash(data: key.rawRepresentation).prefix(SignatureSlot.keyIDSize))
    }

    public static func hex(_ key: Curve25519.Signing.PublicKey) -> String {
        of(key).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
