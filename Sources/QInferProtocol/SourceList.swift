/// GET /v1/sources: every live source of qinferd.toml's `[[source]]` tables, in the file's order.
public struct SourceList: Codable, Sendable, Equatable {
    public var sources: [SourceStatus]
    public init(sources: [SourceStatus]) { self.sources = sources }
}

/// The name of the live source an event line answers, with what `qinfer watch` shows beside it: the frames the
/// source dropped so far (cumulative, so a watcher reports the difference) and its recent inference rate.
public struct SourceMark: Codable, Sendable, Equatable {
    public var name: String
    public var dropped: Int
    public var fps: Double
    public init(name: String, dropped: Int, fps: Double) { self.name = name; self.dropped = dropped; self.fps = fps }
}

/// One source: its configuration, state and counters. `frames_seen = inferred + failed + dropped + pending + in_flight`
/// holds in every answer (one lock covers them all).
public struct SourceStatus: Codable, Sendable, Equatable {
    public var name: String
    /// "pointcloud-socket", "directory" or "camera".
    public var kind: String
    public var model: String
    /// "running", "retrying" (the last start or run failed; another attempt follows) or "stopped".
    public var state: String
    public var results: String
    public var onOverrun: String
    public var maxRate: Double?
    public var framesSeen: Int
    public var inferred: Int
    /// Frames whose inference failed (bad input, deadline, model gone).
    public var failed: Int
    /// Frames replaced or refused while another waited (on_overrun).
    public var dropped: Int
    /// 0 or 1: the frame waiting for the source's inference in flight.
    public var pending: Int
    /// 0 or 1: a source never has more than one inference queued or running.
    public var inFlight: Int
    /// Everything that went wrong: failed inferences, refused frames or clients, start and run failures.
    public var errors: Int
    /// Start attempts that failed or runs that died (each followed by a retry after the backoff).
    public var restarts: Int
    public var lastError: SourceEvent?
    public var lastResult: SourceResult?
    /// Inferences per second over the last few seconds.
    public var fps: Double
    /// While retrying: milliseconds until the next attempt.
    public var retryInMs: Int?

    enum CodingKeys: String, CodingKey {
        case name, kind, model, state, results, inferred, failed, dropped, pending, errors, restarts, fps
        case onOverrun = "on_overrun", maxRate = "max_rate", framesSeen = "frames_seen", inFlight = "in_flight"
        case lastError = "last_error", lastResult = "last_result", retryInMs = "retry_in_ms"
    }

    public init(name: String, kind: String, model: String, state: String, results: String, onOverrun: String, maxRate: Double?,
                framesSeen: Int, inferred: Int, failed: Int, dropped: Int, pending: Int, inFlight: Int, errors: Int, restarts: Int,
                lastError: SourceEvent?, lastResult: SourceResult?, fps: Double, retryInMs: Int?) {
        self.name = name; self.kind = kind; self.model = model; self.state = state; self.results = results
        self.onOverrun = onOverrun; self.maxRate = maxRate; self.framesSeen = framesSeen; self.inferred = inferred
        self.failed = failed; self.dropped = dropped; self.pending = pending; self.inFlight = inFlight; self.errors = errors
        self.restarts = restarts; self.lastError = lastError; self.lastResult = lastResult; self.fps = fps; self.retryInMs = retryInMs
    }
}

/// A message with when it happened (ISO 8601, UTC).
public struct SourceEvent: Codable, Sendable, Equatable {
    public var message: String
    public var at: String
    public init(message: String, at: String) { self.message = message; self.at = at }
}

/// The best class of a source's latest answer.
public struct SourceResult: Codable, Sendable, Equatable {
    public var label: String
    public var index: Int
    public var score: Float
    public var totalUs: Int
    public var at: String

    enum CodingKeys: String, CodingKey {
        case label, index, score, at
        case totalUs = "total_us"
    }

    public init(label: String, index: Int, score: Float, totalUs: Int, at: String) {
        self.label = label; self.index = index; self.score = score; self.totalUs = totalUs; self.at = at
    }
}
