/// One inference as the daemon receives it, whatever carried it (HTTP under /v1 or /v2, a GPIO trigger): the model,
/// which version, the input still undecoded, and the answer's options. The transport builds it; the daemon never
/// sees a header, and decoding runs later, in the worker that serves it.
public struct InferenceRequest: Sendable {
    public var model: String
    /// A stored version by name; nil serves the active one.
    public var version: String?
    public var input: InputPayload
    public var options: InferenceOptions

    public init(model: String, version: String? = nil, input: InputPayload, options: InferenceOptions = InferenceOptions()) {
        self.model = model
        self.version = version
        self.input = input
        self.options = options
    }
}

/// What the answer should hold beyond the best classes.
public struct InferenceOptions: Sendable, Equatable {
    /// How many classes, best first; nil takes the daemon's default. Always clamped to the model's output count.
    public var topK: Int?
    /// Include the raw output vector.
    public var includeOutputs: Bool

    public init(topK: Int? = nil, includeOutputs: Bool = false) {
        self.topK = topK
        self.includeOutputs = includeOutputs
    }

    /// `top_k` and `outputs` from a query string. A value that is present but wrong is refused rather than ignored,
    /// so `?top_k=three` does not quietly answer with the default.
    public init(query: [String: String]) throws(APIFailure) {
        if let text = query["top_k"] {
            guard let k = Int(text), k >= 1 else { throw APIFailure(.badRequest, "top_k '\(text)' is not a positive integer") }
            topK = k
        }
        if let text = query["outputs"] {
            guard let flag = Self.flag(text) else { throw APIFailure(.badRequest, "outputs '\(text)' is not 1, 0, true or false") }
            includeOutputs = flag
        } else {
            includeOutputs = false
        }
    }

    /// The query items that say the same (empty for the defaults).
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let topK { items.append(("top_k", "\(topK)")) }
        if includeOutputs { items.append(("outputs", "1")) }
        return items
    }

    /// A boolean query value as the API spells them.
    public static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true": true
        case "0", "false": false
        default: nil
        }
    }
}
