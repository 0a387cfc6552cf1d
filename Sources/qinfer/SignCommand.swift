// `qinfer sign`: fills a .qpack's signature section with an Ed25519 signature over its content checksum.
import ArgumentParser
import Foundation
import QInferModel
import QInferSigning

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a .qpack with a private key from `qinfer keygen` (in place, or into -o OUT).",
        discussion: """
        The model is validated first (format and checksum). Only the 128-byte signature section changes: it gets the \
        key id and an Ed25519 signature over the file's SHA-256 content checksum, so the checksum (and the sha256 the \
        daemon reports) stays the same. Signing again with another key replaces the signature. The file is replaced \
        atomically (a temporary file beside it, synced, renamed): a crash leaves the old file or the new one, never half.
        """
    )

    @Argument(help: "The .qpack model.") var model: String
    @Option(help: "The private key (PKCS#8 PEM from `qinfer keygen`; mode 0600).") var key: String
    @Option(name: .shortAndLong, help: "Write the signed model here instead of replacing MODEL.") var output: String?

    func run() throws {
        let target = output ?? model
        do {
            let privateKey = try PrivateKeyFile(path: key).key
            let signed = try ModelSigner.signedBytes(of: model, key: privateKey)
            // In place, the model keeps its permissions; a new file gets the usual 0644.
            let mode = output == nil ? Self.mode(of: model) : 0o644
            do { try AtomicFile.install(signed, at: target, mode: mode) } catch { throw CLIError(error.message) }
            let written = try ModelFile(target).packed
            guard let slot = written.signer, slot.verifies(checksum: written.checksum, publicKey: privateKey.publicKey) else {
                throw CLIError("\(target): the written signature does not verify (disk or memory error?)")
            }
            print("signed \(target) with key \(slot.keyIDHex) (sha256 \(written.sha256), unchanged)")
        } catch let error as SigningError { throw CLIError(error.message) }
    }

    static func mode(of path: String) -> UInt32 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.posixPermissions] as? NSNumber).map { $0.uint32Value & 0o777 } ?? 0o644
    }
}
