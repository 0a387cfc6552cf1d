// `qinfer keygen`: an Ed25519 key pair for signing models (private key OUT, public key OUT.pub).
import ArgumentParser
import Crypto
import Foundation
import QInferSigning

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an Ed25519 key pair for `qinfer sign`: the private key OUT (mode 0600) and the public key OUT.pub.",
        discussion: """
        OUT holds the private key as unencrypted PKCS#8 PEM (what `openssl pkey` reads); it is created with mode 0600 \
        and never overwritten. OUT.pub is one line, `qinfer-ed25519 <base64 key> <comment>`: copy it into a board's \
        trusted_keys_dir (default /etc/qinferd/trusted-keys.d) to make qinferd accept models signed with the key. \
        Prints the key id (the first 8 bytes of SHA-256 of the public key), which `qinfer inspect` shows for signed models.
        """
    )

    @Argument(help: "Path of the private key to create; the public key goes to OUT.pub.") var out: String
    @Option(help: "Free text at the end of the public key line (who or what the key is for).") var comment: String?

    func run() throws {
        let publicPath = out + ".pub"
        // Neither file may exist: a half-replaced pair (new private, old public) would sign models nobody trusts.
        for path in [out, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw CLIError("\(path) exists; keygen never overwrites a key (move it away or pick another name)")
        }
        let key = Curve25519.Signing.PrivateKey()
        let publicFile = PublicKeyFile(key: key.publicKey, comment: comment ?? (out as NSString).lastPathComponent)
        do throws(SigningError) {
            try NewFile.create(out, mode: 0o600, contents: PrivateKeyFile(key: key).text)
            do throws(SigningError) { try NewFile.create(publicPath, mode: 0o644, contents: publicFile.text) } catch {
                unlink(out) // no private key without its public half
                throw error
            }
        } catch { throw CLIError(error.message) }
        print("key id \(publicFile.keyIDHex)")
        print("private key: \(out) (mode 0600; keep it off the boards)")
        print("public key:  \(publicPath) (install it in a board's trusted_keys_dir)")
    }
}
