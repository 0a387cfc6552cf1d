/// `require_signature` in qinferd.toml: whether uploads must be signed by a trusted key.
public enum SignatureRequirement: String, Sendable, Equatable, CaseIterable {
    case off = "false"
    case on = "true"
    /// Required as soon as the trusted-keys directory holds a valid key: a board is open until its operator installs a
    /// key, then closed, without a second setting to forget (the Debian package's default).
    case auto

    /// Whether a signature is required with `trustedKeys` valid keys loaded.
    public func isRequired(trustedKeys: Int) -> Bool {
        switch self {
        case .off: false
        case .on: true
        case .auto: trustedKeys > 0
        }
    }
}
