#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation

/// A private key file: the Ed25519 key as unencrypted PKCS#8 in PEM (RFC 8410), the form `openssl genpkey -algorithm
/// ed25519` writes and `openssl pkey` reads, so a key can be inspected or made with standard tools. Only that exact
/// structure is accepted (a fixed 16-byte DER prefix, then the 32-byte seed), not PKCS#8 in general.
public struct PrivateKeyFile {
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 (Ed25519) }, OCTET STRING { OCTET STRING (32 bytes) } }.
    static let derPrefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    static let begin = "-----BEGIN PRIVATE KEY-----", end = "-----END PRIVATE KEY-----"
    static let maxBytes = 4096

    public let key: Curve25519.Signing.PrivateKey

    public init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// Parses PEM text; `source` names the file in errors.
    public init(text: String, source: String) throws(SigningError) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = lines.first, first == Self.begin, let last = lines.last, last == Self.end, lines.count >= 3 else {
            throw SigningError("\(source): not a PEM private key ('\(Self.begin)' … '\(Self.end)'); `qinfer keygen` writes one")
        }
        guard let der = Data(base64Encoded: lines.dropFirst().dropLast().joined()) else {
            throw SigningError("\(source): the PEM body is not valid base64")
        }
        guard der.count == Self.derPrefix.count + 32, Array(der.prefix(Self.derPrefix.count)) == Self.derPrefix else {
            throw SigningError("\(source): not an unencrypted PKCS#8 Ed25519 private key (RFC 8410); other key types are not supported")
        }
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)) } catch {
            throw SigningError("\(source): the Ed25519 seed is not usable: \(error)")
        }
    }

    /// Reads the key at `path`, refusing a file that group or others could read or write: a signing key anyone else
    /// can see is no longer only its owner's.
    public init(path: String) throws(SigningError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SigningError("cannot open the private key \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SigningError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SigningError("\(path) is not a regular file") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SigningError("the private key \(path) has mode \(String(format: "%04o", mode)), open to group or others; "
                               + "run `chmod 600 \(path)` (and consider the key exposed if others could read it)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while bytes.count <= Self.maxBytes {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw SigningError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        guard bytes.count <= Self.maxBytes else { throw SigningError("\(path) is larger than \(Self.maxBytes) bytes; not a key file") }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw SigningError("\(path) is not UTF-8 text") }
        try self.init(text: text, source: path)
    }

    /// The PEM text (64 base64 characters: the 48-byte DER fits on one line).
    public var text: String {
        let der = Data(Self.derPrefix + key.rawRepresentation)
        return "\(Self.begin)\n\(der.base64EncodedString(options: .lineLength64Characters))\n\(Self.end)\n"
    }
}
