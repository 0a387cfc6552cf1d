import Crypto
import Foundation
import QInferModel
import QInferSigning
import QInferTestSupport
import Testing

/// `qinfer keygen`, `qinfer sign` and `qinfer inspect`'s signer, run as the built binary with real Ed25519 keys.
@Suite("keygen and sign") struct SigningCommandTests {
    func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    func inspectJSON(_ path: String) throws -> [String: Any] {
        let r = try runQInfer(["inspect", "--json", path])
        #expect(r.status == 0, "\(r.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    @Test("keygen writes a 0600 PKCS#8 key and a one-line .pub, prints the key id, and never overwrites")
    func keygen() throws {
        let dir = try ScratchDirectory()
        let key = "\(dir.path)/release"
        let r = try runQInfer(["keygen", key, "--comment", "release key 2026"])
        #expect(r.status == 0, "\(r.err)")
        #expect(try mode(key) == 0o600)
        #expect(try mode(key + ".pub") == 0o644)
        let pub = try PublicKeyFile(path: key + ".pub")
        #expect(pub.comment == "release key 2026")
        #expect(r.out.contains("key id \(pub.keyIDHex)"), "\(r.out)")
        let text = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        #expect(text.hasPrefix("qinfer-ed25519 ") && text.hasSuffix(" release key 2026\n") && text.split(separator: "\n").count == 1)
        let priv = try PrivateKeyFile(path: key)
        #expect(priv.key.publicKey.rawRepresentation == pub.key.rawRepresentation)

        let before = try Data(contentsOf: URL(fileURLWithPath: key))
        let again = try runQInfer(["keygen", key])
        #expect(again.status != 0 && again.err.contains("exists"), "\(again.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == before, "the existing key is untouched")
        // Only the .pub in the way: still refused, and no private key is left behind without its public half.
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(dir.path)/other.pub"))
        let pubInTheWay = try runQInfer(["keygen", "\(dir.path)/other"])
        #expect(pubInTheWay.status != 0 && pubInTheWay.err.contains("other.pub"), "\(pubInTheWay.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/other"))
    }

    @Test("the private key is standard PKCS#8: openssl derives the same public key", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func opensslReadsTheKey() throws {
        let dir = try ScratchDirectory()
        let key = "\(dir.path)/k"
        #expect(try runQInfer(["keygen", key]).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["pkey", "-in", key, "-pubout", "-outform", "DER"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let der = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(der.suffix(32) == (try PublicKeyFile(path: key + ".pub")).key.rawRepresentation)
    }

    @Test("a private key open to group or others is refused, naming the mode and chmod 600", arguments: [0o640, 0o604, 0o660, 0o644])
    func widerModeRefused(wider: Int) throws {
        let dir = try ScratchDirectory()
        let key = "\(dir.path)/k"
        #expect(try runQInfer(["keygen", key]).status == 0)
        let model = try dir.write("m.qpack", try randomPointNet(seed: 5, points: 64, widths: [32, 64, 65], classes: 6))
        let original = try Data(contentsOf: URL(fileURLWithPath: model))
        chmod(key, mode_t(wider))
        let r = try runQInfer(["sign", model, "--key", key])
        #expect(r.status != 0)
        #expect(r.err.contains(String(format: "%04o", wider)) && r.err.contains("chmod 600"), "\(r.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == original, "nothing signed")
        chmod(key, 0o600)
        #expect(try runQInfer(["sign", model, "--key", key]).status == 0)
    }

    @Test("sign keeps every byte but the slot and the checksum, verifies, and re-signing replaces the signer")
    func signInPlace() throws {
        let dir = try ScratchDirectory()
        for name in ["a", "b"] { #expect(try runQInfer(["keygen", "\(dir.path)/\(name)"]).status == 0) }
        let bytes = try randomPointNet(seed: 9, points: 64, widths: [32, 64, 65], classes: 6)
        let model = try dir.write("m.qpack", bytes)
        chmod(model, 0o640)
        let unsigned = try inspectJSON(model)
        #expect(unsigned["signed"] as? Bool == false && unsigned["signer"] is NSNull)

        let r = try runQInfer(["sign", model, "--key", "\(dir.path)/a"])
        #expect(r.status == 0, "\(r.err)")
        let a = try PublicKeyFile(path: "\(dir.path)/a.pub"), b = try PublicKeyFile(path: "\(dir.path)/b.pub")
        let signedBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        #expect(signedBytes.count == bytes.count && Array(signedBytes.dropLast(128)) == Array(bytes.dropLast(128)))
        let signed = try inspectJSON(model)
        #expect(signed["sha256"] as? String == unsigned["sha256"] as? String, "the content checksum is unchanged")
        #expect(signed["signer"] as? String == a.keyIDHex)
        #expect(try mode(model) == 0o640, "signing in place keeps the file's mode")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }.isEmpty, "no temporary file left")
        let packed = try PackedModel(path: model)
        #expect(try #require(packed.signer).verifies(checksum: packed.checksum, publicKey: a.key))
        let text = try runQInfer(["inspect", model])
        #expect(text.out.contains("signed by key \(a.keyIDHex)"), "\(text.out)")

        let out = "\(dir.path)/m-b.qpack"
        #expect(try runQInfer(["sign", model, "--key", "\(dir.path)/b", "-o", out]).status == 0)
        #expect(try inspectJSON(out)["signer"] as? String == b.keyIDHex)
        #expect(try inspectJSON(model)["signer"] as? String == a.keyIDHex, "-o leaves the input as it was")
        let resigned = try PackedModel(path: out)
        #expect(try #require(resigned.signer).verifies(checksum: resigned.checksum, publicKey: b.key))
        #expect(!(try #require(resigned.signer).verifies(checksum: resigned.checksum, publicKey: a.key)))
    }

    @Test("a corrupt model is refused before anything is written")
    func corruptModelRefused() throws {
        let dir = try ScratchDirectory()
        #expect(try runQInfer(["keygen", "\(dir.path)/k"]).status == 0)
        var bytes = try randomPointNet(seed: 9, points: 64, widths: [32, 64, 65], classes: 6)
        bytes[300] ^= 0xFF
        let model = try dir.write("m.qpack", bytes)
        let r = try runQInfer(["sign", model, "--key", "\(dir.path)/k"])
        #expect(r.status != 0 && r.err.contains("checksum"), "\(r.err)")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: model))) == bytes)
    }

    @Test("public key files: malformed ones are refused naming the file; a keyring skips them and keeps the rest")
    func publicKeyFiles() throws {
        let dir = try ScratchDirectory()
        let good = PublicKeyFile(key: Curve25519.Signing.PrivateKey().publicKey, comment: "ok")
        _ = try dir.write("good.pub", Array(good.text.utf8))
        _ = try dir.write("short.pub", Array("qinfer-ed25519 AAAA short\n".utf8))
        _ = try dir.write("type.pub", Array("ssh-ed25519 \(good.key.rawRepresentation.base64EncodedString())\n".utf8))
        _ = try dir.write("notes.txt", Array("not a key".utf8))
        let ring = TrustedKeyring.load(directory: dir.path)
        #expect(Array(ring.keys.keys) == [good.keyIDHex])
        #expect(ring.problems.count == 2)
        #expect(ring.problems.contains { $0.contains("short.pub") && $0.contains("32") }, "\(ring.problems)")
        #expect(ring.problems.contains { $0.contains("type.pub") && $0.contains("qinfer-ed25519") }, "\(ring.problems)")
        #expect(TrustedKeyring.load(directory: "\(dir.path)/missing").keys.isEmpty)
        #expect(throws: SigningError.self) { try PublicKeyFile(text: good.text + good.text, source: "two lines") }
    }
}
