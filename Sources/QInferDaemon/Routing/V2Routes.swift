import Dispatch
import NIOHTTP1
import QInferModel
import QInferProtocol

/// The Open Inference Protocol (KServe v2) REST API on the same socket (docs/API.md, docs/openapi.yaml), so clients
/// written for Triton, KServe or OpenVINO Model Server can call qinferd. Errors are the spec's `{"error": "…"}`
/// (HTTPHandler writes that form for every /v2 request).
enum V2Routes {
    /// Triton's classification extension: an output requested with `"parameters": {"classification": n}` comes back as
    /// the top n "score:index:label" strings.
    static let extensions = ["classification"]

    static let all: [Route] = [
        Route(.GET, "/v2") { _, _ in .ok(OIPServerMetadata(name: "qinferd", version: Daemon.version, extensions: extensions)) },
        Route(.GET, "/v2/health/live") { _, _ in .ok(OIPServerLive(live: true)) },
        Route(.GET, "/v2/health/ready") { daemon, _ in .json(daemon.ready ? .ok : .serviceUnavailable, OIPServerReady(ready: daemon.ready)) },
        Route(.GET, "/v2/models/{name}") { daemon, r throws(APIFailure) in
            .ok(try metadata(daemon, r.parameter("name"), version: nil))
        },
        Route(.GET, "/v2/models/{name}/versions/{version}") { daemon, r throws(APIFailure) in
            .ok(try metadata(daemon, r.parameter("name"), version: r.parameter("version")))
        },
        Route(.GET, "/v2/models/{name}/ready") { daemon, r throws(APIFailure) in try ready(daemon, r.parameter("name"), version: nil) },
        Route(.GET, "/v2/models/{name}/versions/{version}/ready") { daemon, r throws(APIFailure) in
            try ready(daemon, r.parameter("name"), version: r.parameter("version"))
        },
        Route(.POST, "/v2/models/{name}/infer") { daemon, r throws(APIFailure) in try infer(daemon, r, version: nil) },
        Route(.POST, "/v2/models/{name}/versions/{version}/infer") { daemon, r throws(APIFailure) in
            try infer(daemon, r, version: r.parameter("version"))
        },
    ]

    static func metadata(_ daemon: Daemon, _ name: String, version: String?) throws(APIFailure) -> OIPModelMetadata {
        let serving = try daemon.store.serving(name, version: version)
        let versions = (try? daemon.store.info(name).versions.map(\.version)) ?? [serving.version]
        let model = serving.model, input = model.metadata.input
        // A point cloud of any size is sampled to the model's point count, so only the 3 coordinates are fixed.
        let inputShape = model.metadata.task == .pointCloudClassification ? [-1, 3] : input.shape
        return OIPModelMetadata(name: name, versions: versions,
                                inputs: [OIPTensorMetadata(name: input.name, datatype: OIPDatatype.fp32.rawValue, shape: inputShape)],
                                outputs: [OIPTensorMetadata(name: model.graph.output, datatype: OIPDatatype.fp32.rawValue,
                                                            shape: [model.outputCount])])
    }

    /// A stored version is loaded and planned when installed, so it is ready once the daemon is.
    static func ready(_ daemon: Daemon, _ name: String, version: String?) throws(APIFailure) -> APIReply {
        _ = try daemon.store.serving(name, version: version)
        return .json(daemon.ready ? .ok : .serviceUnavailable, OIPModelReady(name: name, ready: daemon.ready))
    }

    /// The JSON tensor is parsed and checked against the version that serves now, off the event loop: Foundation's
    /// JSONDecoder takes about a millisecond for a 1,024-point cloud, which would stall every connection of the loop.
    /// The time is answered as `decode_us`.
    static func infer(_ daemon: Daemon, _ r: APIRequest, version: String?) throws(APIFailure) -> APIReply {
        let name = r.parameter("name"), body = r.body
        let contentType = r.headers.first(name: "content-type"), binaryLength = r.headers.first(name: OIPInferenceRequest.binaryHeader)
        return .later { answer in
            decodeQueue.async {
                let started = ContinuousClock.now
                let plan: OIPInferencePlan
                do throws(APIFailure) {
                    let serving = try daemon.store.serving(name, version: version)
                    let metadata = serving.model.metadata
                    let signature = OIPModelSignature(model: name, inputName: metadata.input.name, inputRank: metadata.input.shape.count,
                                                      outputName: serving.model.graph.output)
                    plan = try OIPInferencePlan(try OIPInferenceRequest.decode(body, contentType: contentType, binaryHeaderLength: binaryLength),
                                                for: signature)
                } catch {
                    return answer(.failure(error))
                }
                let decodeMicros = (ContinuousClock.now - started).wholeMicroseconds
                let request = InferenceRequest(model: name, version: version, input: .tensor(plan.tensor), options: plan.options)
                daemon.infer(request) { result in
                    switch result {
                    case .success(let response): answer(.ok(plan.response(response, decodeMicros: decodeMicros)))
                    case .failure(let failure): answer(.failure(failure))
                    }
                }
            }
        }
    }
}

/// Concurrent, so requests on different connections parse in parallel; the connection limit bounds how many wait.
private let decodeQueue = DispatchQueue(label: "qinferd.v2-decode", qos: .userInitiated, attributes: .concurrent)
