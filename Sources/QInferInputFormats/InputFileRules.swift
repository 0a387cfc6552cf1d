/// How a file becomes an input, said once for every path a file takes (`qinfer run`, `qinfer infer`, the daemon's
/// /v1 body, a GPIO trigger's or a watched directory's file): which format it is, and whether a shape goes with it.
extension InputFormat {
    /// The format of the file `name` holding `bytes`: its name's extension, else its content's signature, else raw
    /// float32 when a shape is given (raw float32 has no signature); nil when none of those says.
    public static func detect(name: String, bytes: [UInt8], shape: [Int]?) -> InputFormat? {
        if let format = InputFormat(fileName: name) ?? InputFormat(sniffing: bytes) { return format }
        return shape != nil ? .f32 : nil
    }

    /// Why `shape` cannot go with a file of this format, or nil when it can: raw float32 needs one (it is the only
    /// size there is), .npy is checked against it, and every other format carries its own size, so a shape given for
    /// one is refused rather than silently ignored.
    public func shapeProblem(_ shape: [Int]?) -> ShapeProblem? {
        switch (self, shape) {
        case (.f32, nil): .missing
        case (.f32, _), (.npy, _), (_, nil): nil
        default: .notApplicable(self)
        }
    }

    /// What is wrong with a shape given (or not) for a file.
    public enum ShapeProblem: Equatable, Sendable {
        /// Raw float32 without a shape.
        case missing
        /// A shape for a format that carries its own size.
        case notApplicable(InputFormat)

        public var message: String {
            switch self {
            case .missing: "a raw float32 input needs its shape (--shape, or X-Tensor-Shape over HTTP), e.g. 1024,3"
            case .notApplicable(let f): "a shape only applies to .f32 and .npy inputs; .\(f.rawValue) files carry their own size"
            }
        }

        /// The same, as `decodeInput` reports it.
        var inputError: InputError {
            switch self {
            case .missing: InputError(format: .f32, kind: .badShape, field: "shape", message: message)
            case .notApplicable(let f): InputError(format: f, kind: .badShape, field: "shape", message: message)
            }
        }
    }
}
