import Crypto

/// The parsed signature section of a signed .qpack: which key signed (its 8-byte id) and the Ed25519 signature over
/// the content checksum (docs/FORMAT.md, "Signature section"). An all-zero section means unsigned and parses to nil.
public struct SignatureSlot: Sendable, Equatable {
    public static let magic: [UInt8] = Array("QSIG".utf8)
    public static let layoutVersion: UInt8 = 1
    /// The only algorithm so far; a byte of its own so another can be added without a new layout.
    public static let ed25519: UInt8 = 1
    public static let keyIDSize = 8
    public static let signatureSize = 64
    /// Where the fields sit inside the 128-byte section.
    static let keyIDOffset = 8, signatureOffset = 16, zeroTailOffset = 80
    /// Prepended to the checksum before signing, so an Ed25519 signature made for anything else (another tool, another
    /// format, a later layout) never verifies as a model signature. Fixed forever for layout 1.
    public static let context: [UInt8] = Array("qinfer.qpack.signature.v1\0".utf8)

    /// The first 8 bytes of SHA-256 of the signer's raw 32-byte Ed25519 public key.
    public let keyID: [UInt8]
    public let signature: [UInt8]

    public init(keyID: [UInt8], signature: [UInt8]) {
        precondition(keyID.count == Self.keyIDSize && signature.count == Self.signatureSize, "key id or signature of the wrong size")
        self.keyID = keyID
        self.signature = signature
    }

    /// The key id as 16 lowercase hex digits, the way keygen, inspect and the daemon print it.
    public var keyIDHex: String { keyID.map { String($0, radix: 16).leftPadded(2) }.joined() }

    /// The exact bytes an Ed25519 signer signs for a file with this content checksum.
    public static func message(checksum: [UInt8]) -> [UInt8] { context + checksum }

    /// Parses the section's bytes (`at` is its file offset, for the error). Nil when all zero (unsigned); a non-zero
    /// section that is not exactly this layout is refused, so a reader never guesses at a half-written signature.
    public static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(ModelError) -> SignatureSlot? {
        guard bytes.contains(where: { $0 != 0 }) else { return nil }
        func refuse(_ field: Int, _ what: String) -> ModelError {
            ModelError.signature("byte \(offset + field): signature section: \(what)")
        }
        guard bytes.count == QPackLayout.signatureSize else { throw refuse(0, "is \(bytes.count) bytes, not \(QPackLayout.signatureSize)") }
        guard Array(bytes[0..<4]) == magic else { throw refuse(0, "not all zero but does not start with \"QSIG\"") }
        guard bytes[4] == layoutVersion else { throw refuse(4, "layout version \(bytes[4]) is not supported (this reader knows \(layoutVersion))") }
        guard bytes[5] == ed25519 else { throw refuse(5, "algorithm \(bytes[5]) is unknown (1 = Ed25519)") }
        guard bytes[6] == 0, bytes[7] == 0 else { throw refuse(6, "reserved bytes 6..<8 are not zero") }
        if let i = (zeroTailOffset..<bytes.count).first(where: { bytes[$0] != 0 }) {
            throw refuse(i, "reserved bytes \(zeroTailOffset)..<\(bytes.count) must be zero")
        }
        let keyID = Array(bytes[keyIDOffset..<(keyIDOffset + keyIDSize)])
        let signature = Array(bytes[signatureOffset..<(signatureOffset + signatureSize)])
        guard keyID.contains(where: { $0 != 0 }) else { throw refuse(keyIDOffset, "the key id is zero") }
        return SignatureSlot(keyID: keyID, signature: signature)
    }

    /// The 128 bytes of the section.
    public var encoded: [UInt8] {
        var out = Self.magic + [Self.layoutVersion, Self.ed25519, 0, 0] + keyID + signature
        out += [UInt8](repeating: 0, count: QPackLayout.signatureSize - out.count)
        return out
    }

    /// True when `signature` is `publicKey`'s Ed25519 signature of `message(checksum:)`. Says nothing about whether
    /// `publicKey` is the key `keyID` names: the caller looks the key up by that id.
    public func verifies(checksum: [UInt8], publicKey: Curve25519.Signing.PublicKey) -> Bool {
        publicKey.isValidSignature(signature, for: Self.message(checksum: checksum))
    }
}
