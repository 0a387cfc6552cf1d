// `qinfer infer MODEL FILE`: one inference on a running qinferd. The request is written with QInferProtocol's codec,
// so which files need --shape, which take --format and how the format is guessed are the daemon's own rules.
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run one inference on a running qinferd.",
        discussion: """
        FILE is sent as it is; --format, else its extension, else its content picks how: .json ({"input": [numbers], \
        "shape": [ints]}), .npy, raw .f32 (with --shape), a point cloud (.xyz, .pts, .ply, .pcd) or an image (.png, \
        .pgm, .ppm). The daemon decodes and preprocesses it as `qinfer run` does.
        """
    )

    @Argument(help: "The model's name.") var model: String
    @Argument(help: "The input file.") var file: String
    @Option(name: .customLong("top-k"), help: "How many classes to print (default: the daemon's, 5).") var topK: Int?
    @Flag(help: "Also print the model's output vector.") var outputs = false
    @Option(help: "Shape of a raw .f32 input, e.g. 1024,3 (sent as X-Tensor-Shape; checked against an .npy header).")
    var shape: String?
    @Option(help: "The input format when the extension does not say (npy, f32, xyz, pts, ply, pcd, pgm, ppm, png, json).")
    var format: String?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        try validateName(model, "model name")
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    /// The request for `bytes`; a format or shape the daemon would refuse is refused here, before connecting.
    func request(_ bytes: [UInt8]) throws -> DaemonRequest {
        try Self.request(model: model, file: file, bytes: bytes, format: format, shape: shape, shapeOption: "--shape",
                         options: InferenceOptions(topK: topK, includeOutputs: outputs))
    }

    /// An inference request for the input file `file` holding `bytes` (also `push --verify`'s); `shapeOption` names
    /// the option `shape` came from in messages.
    static func request(model: String, file: String, bytes: [UInt8], format: String?, shape: String?, shapeOption: String,
                        options: InferenceOptions) throws -> DaemonRequest {
        do {
            let shapeValues = try shape.map { (text) throws(APIFailure) in try TensorShapeText.parse(text, what: shapeOption) }
            let payload = try InputPayload.file(named: file, bytes: bytes, format: format, shape: shapeValues)
            return try .infer(model, payload: payload, options: options)
        } catch let failure as APIFailure {
            throw CLIError("\(file): \(failure.message)")
        }
    }

    func run() throws {
        let request = try request(try readFileBytes(file))
        try daemon.perform { client in
            let (answer, response) = try client.call(InferResponse.self, request)
            print(daemon.json ? response.text : describe(answer))
        }
    }

    private func describe(_ r: InferResponse) -> String {
        var lines = ["\(r.model) v\(r.version) on \(file)"]
        let width = max(5, r.top.map(\.label.count).max() ?? 0)
        for (rank, p) in r.top.enumerated() {
            lines.append("  \(rank + 1). \(p.label.padding(toLength: width, withPad: " ", startingAt: 0))  \(fixed(Double(p.score), digits: 5))")
        }
        let t = r.telemetry
        lines.append("  queue \(t.queueMicros) µs, preprocess \(t.preprocessMicros) µs, compute \(t.computeMicros) µs, total \(t.totalMicros) µs")
        if let values = r.outputs {
            lines.append("  outputs: [" + values.map { fixed(Double($0), digits: 6) }.joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n")
    }
}
