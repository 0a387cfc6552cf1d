import Crypto
import Foundation

/// A public key file (`NAME.pub`, one line): `qinfer-ed25519 <base64 of the 32 raw key bytes> <comment>`. The comment
/// is free text (spaces allowed) and may be empty; it only helps people tell keys apart.
/// Unchecked Sendable: swift-crypto 3 does not mark its key types Sendable, but a public key is an immutable value
/// (32 bytes) with nothing shared to race on, and the daemon hands its trusted keys between threads.
public struct PublicKeyFile: @unchecked Sendable {
    public static let keyType = "qinfer-ed25519"
    /// Far more than one line needs; a bigger file is not a key file.
    static let maxBytes = 4096

    public let key: Curve25519.Signing.PublicKey
    public let comment: String

    public init(key: Curve25519.Signing.PublicKey, comment: String) {
        self.key = key
        // One line: a newline inside the comment would make a second, malformed line.
        self.comment = comment.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Parses the text of a public key file; `source` names it in errors.
    public init(text: String, source: String) throws(SigningError) {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        guard lines.count == 1, let line = lines.first else {
            throw SigningError("\(source): a public key file holds exactly one line '\(Self.keyType) <base64 key> <comment>' (found \(lines.count))")
        }
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == Self.keyType else {
            throw SigningError("\(source): the line does not start with '\(Self.keyType) ' followed by the key")
        }
        guard let raw = Data(base64Encoded: String(parts[1])) else { throw SigningError("\(source): the key is not valid base64") }
        guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw SigningError("\(source): the key is \(raw.count) bytes; an Ed25519 public key is 32")
        }
        self.init(key: key, comment: parts.count > 2 ? String(parts[2]).trimmingCharacters(in: .whitespaces) : "")
    }

    /// Reads and parses the file at `path`.
    public init(path: String) throws(SigningError) {
        try self.init(text: try TextFile.read(path, limit: Self.maxBytes), source: path)
    }

    public var keyIDHex: String { SigningKeyID.hex(key) }

    /// The file's text, newline-terminated.
    public var text: String {
        "\(Self.keyType) \(key.rawRepresentation.base64EncodedString())\(comment.isEmpty ? "" : " " + comment)\n"
    }
}
