/// Settings of a running daemon. Limits protect a board with 1–8 GB from a client that sends too much.
public struct DaemonConfig: Sendable, Equatable {
    public var stateDirectory = "/var/lib/qinferd"
    /// Searched for .qpack files served when the store is empty (the embedded default).
    public var embeddedModelDirectories = ["/usr/share/qinferd/models"]
    public var workers = 2
    /// CPUs the workers are pinned to, round-robin (from the board config); empty = unpinned.
    public var workerCores: [Int] = []
    public var queueCapacity = 64
    public var maxBodyBytes = 64 << 20
    public var maxConnections = 256
    public var deadlineMillis = 10_000
    /// A keep-alive connection with no request for this long is closed (an event stream is exempt).
    public var idleTimeoutMillis = 60_000
    /// A request whose head and body have not fully arrived this long after it began is answered 408 and its
    /// connection closed, so a slow or stalled client cannot hold a connection slot forever.
    public var requestTimeoutMillis = 30_000
    /// Peers in this group (besides root and the daemon's own user) may upload, activate, delete and reload.
    public var adminGroup: String? = "qinferd-admin"
    public var defaultTopK = 5
    /// `*.pub` files (`qinfer keygen`) whose signatures uploads may carry; read at start and on every reload.
    public var trustedKeysDirectory = "/etc/qinferd/trusted-keys.d"
    public var requireSignature = SignatureRequirement.off
    /// Live sensors feeding models (`[[source]]` tables); reconciled on every reload.
    public var sources: [SourceConfig] = []

    public init() {}
}
