import Crypto
import Testing
@testable import QInferModel

/// The signature section's layout (docs/FORMAT.md): parsed by the reader, refused when malformed, verified with real
/// Ed25519 keys from swift-crypto.
@Suite("signature slot") struct SignatureSlotTests {
    /// `file` with its last 128 bytes replaced by `slot` (the checksum does not cover them, so no reseal).
    func withSlot(_ file: [UInt8], _ slot: [UInt8]) -> [UInt8] {
        var out = file
        out.replaceSubrange((out.count - QPackLayout.signatureSize)..., with: slot)
        return out
    }

    func signed(_ file: [UInt8], with key: Curve25519.Signing.PrivateKey) throws -> [UInt8] {
        let model = try load(file)
        let signature = try key.signature(for: SignatureSlot.message(checksum: model.checksum))
        let keyID = Array(SHA256.hash(data: key.publicKey.rawRepresentation).prefix(8))
        return withSlot(file, SignatureSlot(keyID: keyID, signature: Array(signature)).encoded)
    }

    @Test("an all-zero slot is unsigned; a signed file keeps its checksum and verifies with its key only")
    func signAndVerify() throws {
        let file = try TinyModel.bytes()
        let unsigned = try load(file)
        #expect(unsigned.signer == nil)
        let key = Curve25519.Signing.PrivateKey(), other = Curve25519.Signing.PrivateKey()
        let signedFile = try signed(file, with: key)
        #expect(Array(signedFile[..<(file.count - 128)]) == Array(file[..<(file.count - 128)]), "only the slot changes")
        let model = try load(signedFile)
        let slot = try #require(model.signer)
        #expect(model.sha256 == unsigned.sha256, "signing does not change the checksum")
        #expect(slot.keyIDHex.count == 16)
        #expect(Array(signedFile.suffix(128).prefix(4)) == Array("QSIG".utf8))
        #expect(slot.verifies(checksum: model.checksum, publicKey: key.publicKey))
        #expect(!slot.verifies(checksum: model.checksum, publicKey: other.publicKey), "another key's public half")
        // Other content with a valid checksum under the same slot (tampered, then re-checksummed): it does not verify.
        var builder = TinyModel.builder()
        builder.metadata.version = "2"
        let otherFile = try builder.build(input: "points", output: "logits", nodes: TinyModel.nodes)
        let resealedModel = try load(withSlot(otherFile, Array(signedFile.suffix(128))))
        #expect(resealedModel.sha256 != model.sha256)
        #expect(resealedModel.signer == slot)
        #expect(!slot.verifies(checksum: resealedModel.checksum, publicKey: key.publicKey), "tampered and re-checksummed")
    }

    @Test("a non-zero slot that is not the layout is refused, naming what is wrong", arguments: [
        (0, UInt8(ascii: "X"), "does not start with \"QSIG\""),
        (4, 2, "layout version 2"),
        (5, 7, "algorithm 7"),
        (6, 1, "reserved bytes 6..<8"),
        (100, 1, "reserved bytes 80..<128"),
        (127, 1, "reserved bytes 80..<128"),
    ])
    func malformed(byte: Int, value: UInt8, expected: String) throws {
        let file = try signed(try TinyModel.bytes(), with: Curve25519.Signing.PrivateKey())
        var slot = Array(file.suffix(128))
        slot[byte] = value
        let error = #expect(throws: ModelError.self) { try load(withSlot(file, slot)) }
        #expect(error?.isSignatureProblem == true)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("signature section") == true)
    }

    @Test("a slot with only a stray byte, or a zero key id, is refused; the checksum is still checked first")
    func strayBytes() throws {
        let file = try TinyModel.bytes()
        var slot = [UInt8](repeating: 0, count: 128)
        slot[50] = 9
        let stray = #expect(throws: ModelError.self) { try load(withSlot(file, slot)) }
        #expect(stray?.isSignatureProblem == true && stray?.message.contains("QSIG") == true)
        let zeroID = SignatureSlot.magic + [1, 1, 0, 0] + [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 5, count: 64)
            + [UInt8](repeating: 0, count: 48)
        let zero = #expect(throws: ModelError.self) { try load(withSlot(file, zeroID)) }
        #expect(zero?.message.contains("key id is zero") == true)
        var corrupt = withSlot(file, zeroID)
        corrupt[corrupt.count - 200] ^= 1 // tensor data: past the table, under the checksum
        let checksum = #expect(throws: ModelError.self) { try load(corrupt) }
        #expect(checksum?.isSignatureProblem == false && checksum?.message.contains("checksum") == true)
    }
}
