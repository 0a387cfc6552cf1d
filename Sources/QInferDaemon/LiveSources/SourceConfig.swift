/// One `[[source]]` table of qinferd.toml, validated: a sensor bound to a served model (docs/SOURCES.md).
public struct SourceConfig: Sendable, Equatable {
    /// Unique among the sources; the API's name rules, since it appears in /v1/sources and event lines.
    public var name: String
    /// A served model's name; checked when the source starts (a missing model is retried like any failure).
    public var model: String
    /// Inferences per second at most; nil runs as fast as the model answers.
    public var maxRate: Double?
    public var onOverrun: OverrunPolicy
    public var results: ResultTargets
    public var input: SourceInput

    public init(name: String, model: String, maxRate: Double? = nil, onOverrun: OverrunPolicy = .dropOldest,
                results: ResultTargets = .events, input: SourceInput) {
        self.name = name; self.model = model; self.maxRate = maxRate; self.onOverrun = onOverrun
        self.results = results; self.input = input
    }
}

/// What a source does with a frame that arrives while another waits for the model: there is one pending slot, never
/// a queue, so a sensor faster than the model costs dropped frames and no memory.
public enum OverrunPolicy: String, Sendable, Equatable, CaseIterable {
    /// The newer frame replaces the waiting one: answers stay as fresh as the model allows (a live sensor's choice).
    case dropOldest = "drop-oldest"
    /// The waiting frame is kept and the newer one dropped.
    case dropNewest = "drop-newest"
}

/// Where a source's answers go.
public enum ResultTargets: String, Sendable, Equatable, CaseIterable {
    /// /v1/events lines carrying the source's name.
    case events
    /// The board's GPIO result lines, as the trigger's answers set them.
    case gpio
    case both

    var events: Bool { self != .gpio }
    var gpio: Bool { self != .events }
}

/// The sensor side of a source, one case per kind. A kind the daemon does not build itself (a camera, which needs
/// GStreamer) gets a case here and a factory registered with ``LiveSources/register(kind:_:)``.
public enum SourceInput: Sendable, Equatable {
    /// Listens on a Unix socket of its own for QPC1 point-cloud frames.
    case pointCloudSocket(SourceSocket)
    /// Infers each file renamed or closed-after-write into a directory (inotify).
    case directory(path: String)
    /// Frames from a GStreamer pipeline description (its appsink is appended by the source); built by the factory
    /// qinferd registers, since the daemon's library does not link GStreamer.
    case camera(pipeline: String)

    public var kind: String {
        switch self {
        case .pointCloudSocket: "pointcloud-socket"
        case .directory: "directory"
        case .camera: "camera"
        }
    }
}

/// Where a point-cloud socket source listens, with the file's mode and group (as the API socket's).
public struct SourceSocket: Sendable, Equatable {
    public var path: String
    public var mode: UInt32
    public var group: String?

    public init(path: String, mode: UInt32 = 0o660, group: String? = nil) {
        self.path = path; self.mode = mode; self.group = group
    }
}
