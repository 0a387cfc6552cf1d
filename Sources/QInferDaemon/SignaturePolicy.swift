import QInferModel
import QInferProtocol
import QInferSigning

/// The signature rules in force: the trusted keys and whether a signature is required. Loaded at start and on every
/// reload, so adding or removing a key file takes effect with a reload.
public struct SignaturePolicy: Sendable {
    public let keyring: TrustedKeyring
    public let requirement: SignatureRequirement
    public let required: Bool

    public init(keyring: TrustedKeyring, requirement: SignatureRequirement) {
        self.keyring = keyring
        self.requirement = requirement
        required = requirement.isRequired(trustedKeys: keyring.keys.count)
    }

    /// What a model's signature section says against the trusted keys.
    public enum Verdict: Sendable, Equatable {
        case unsigned
        /// Verified with the trusted key of this id.
        case trusted(String)
        /// Signed by a key not in the trusted directory: it cannot be checked.
        case unknownKey(String)
        /// Names a trusted key but does not verify: the content is not what that key signed.
        case badSignature(String)
    }

    public func verdict(_ model: PackedModel) -> Verdict {
        guard let slot = model.signer else { return .unsigned }
        guard let entry = keyring.key(for: slot) else { return .unknownKey(slot.keyIDHex) }
        return slot.verifies(checksum: model.checksum, publicKey: entry.key.key) ? .trusted(slot.keyIDHex) : .badSignature(slot.keyIDHex)
    }

    /// Admits an upload or says why not. A bad signature is refused even when none is required (a signature that names
    /// a trusted key and fails is a tampered file, never a harmless one); a key we do not know is accepted when no
    /// signature is required, since an unsigned file would be, with `note` saying so for the log.
    public func admit(_ model: PackedModel) throws(APIFailure) -> (signer: String?, note: String?) {
        switch verdict(model) {
        case .trusted(let id): return (id, nil)
        case .badSignature(let id):
            throw APIFailure(.badSignature, "the signature by trusted key \(id) does not verify: the file is not what that key signed")
        case .unknownKey(let id):
            guard !required else {
                throw APIFailure(.untrustedKey, "signed by key \(id), which is not among the \(keyring.keys.count) trusted key(s) in the trusted keys directory")
            }
            return (id, "signed by key \(id), which is not trusted; accepted because require_signature is \(requirement.rawValue)")
        case .unsigned:
            guard !required else {
                throw APIFailure(.signatureRequired, "the model is unsigned and this daemon requires a signature by a trusted key (`qinfer sign`)")
            }
            return (nil, nil)
        }
    }
}
