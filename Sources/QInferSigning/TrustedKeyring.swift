import Foundation
import QInferModel

/// The public keys a daemon trusts: every `*.pub` file of one directory, by key id. Several keys may be trusted at
/// once (rotation: add the new key, re-sign, remove the old file, reload).
public struct TrustedKeyring: Sendable {
    public struct Entry: Sendable {
        public let key: PublicKeyFile
        public let path: String
    }

    /// Key id (16 hex digits) → key and the file it came from.
    public let keys: [String: Entry]
    /// One line per file that was skipped, naming it and why (malformed, unreadable, a duplicate key).
    public let problems: [String]

    public init(keys: [String: Entry] = [:], problems: [String] = []) {
        self.keys = keys
        self.problems = problems
    }

    /// Loads `directory`; a missing directory is an empty keyring (no problem: most boards have no keys).
    public static func load(directory: String) -> TrustedKeyring {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return TrustedKeyring() }
        guard isDirectory.boolValue else { return TrustedKeyring(problems: ["\(directory) is not a directory; no key is trusted"]) }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted() } catch {
            return TrustedKeyring(problems: ["cannot list \(directory): \(error.localizedDescription); no key is trusted"])
        }
        var keys: [String: Entry] = [:], problems: [String] = []
        for name in names where name.hasSuffix(".pub") && !name.hasPrefix(".") {
            let path = "\(directory)/\(name)"
            do throws(SigningError) {
                let key = try PublicKeyFile(path: path)
                if let other = keys[key.keyIDHex] {
                    problems.append("\(path): key \(key.keyIDHex) is already trusted from \(other.path); skipped")
                    continue
                }
                keys[key.keyIDHex] = Entry(key: key, path: path)
            } catch {
                problems.append("\(error.message); skipped")
            }
        }
        return TrustedKeyring(keys: keys, problems: problems)
    }

    /// The trusted key the slot names, if any.
    public func key(for slot: SignatureSlot) -> Entry? { keys[slot.keyIDHex] }
}
