import Foundation
import Logging
import NIOHTTP1
import QInferProtocol

/// The /v1 API (docs/API.md, docs/openapi.yaml): health, models, inference, statistics, metrics, events, and the
/// admin routes that change the store.
enum V1Routes {
    static let all: [Route] = [
        Route(.GET, "/v1/health") { daemon, _ in
            let health = daemon.health()
            return .json(health.ready ? .ok : .serviceUnavailable, health)
        },
        Route(.GET, "/v1/models") { daemon, _ in .ok(ModelList(models: daemon.store.list())) },
        Route(.GET, "/v1/models/{name}") { daemon, r throws(APIFailure) in .ok(try daemon.store.info(r.parameter("name"))) },
        Route(.PUT, "/v1/models/{name}", .admin) { daemon, r throws(APIFailure) in
            let name = r.parameter("name"), version = r.query["version"], body = r.body
            let activate = try r.query["activate"].map { (text) throws(APIFailure) in
                guard let flag = InferenceOptions.flag(text) else { throw APIFailure(.badRequest, "activate '\(text)' is not 1, 0, true or false") }
                return flag
            }
            if let version, !APIPaths.isValidName(version) {
                throw APIFailure(.badRequest, "version '\(version)' is not valid (1–64 of A–Z a–z 0–9 . _ -)")
            }
            let peer = r.peer
            return .offloaded(.created) { () throws(APIFailure) in
                do throws(APIFailure) { return try daemon.store.install(name: name, version: version, bytes: body, activate: activate) } catch {
                    // The journal keeps who tried to install what and why it was refused (signature refusals above all).
                    let uid = peer.map { "\($0.uid)" } ?? "unknown"
                    daemon.logger.warning("refused upload of model \(name) from uid \(uid): \(error.code.rawValue): \(error.message)",
                                          metadata: ["peer_uid": "\(uid)", "code": "\(error.code.rawValue)"])
                    throw error
                }
            }
        },
        Route(.DELETE, "/v1/models/{name}", .admin) { daemon, r in
            let name = r.parameter("name")
            return .offloaded { () throws(APIFailure) in
                try daemon.store.remove(name: name, version: nil)
                return ["deleted": name]
            }
        },
        Route(.POST, "/v1/models/{name}/infer") { daemon, r throws(APIFailure) in
            try infer(daemon, r, version: nil)
        },
        Route(.POST, "/v1/models/{name}/versions/{version}/infer") { daemon, r throws(APIFailure) in
            try infer(daemon, r, version: r.parameter("version"))
        },
        Route(.POST, "/v1/models/{name}/activate", .admin) { daemon, r throws(APIFailure) in
            let name = r.parameter("name")
            let request: ActivateRequest
            do { request = try JSONDecoder().decode(ActivateRequest.self, from: Data(r.body)) } catch {
                throw APIFailure(.badRequest, "the body must be {\"version\": \"…\"}")
            }
            return .offloaded { () throws(APIFailure) in
                try daemon.store.activate(name: name, version: request.version)
                return try daemon.store.info(name)
            }
        },
        Route(.POST, "/v1/models/{name}/rollback", .admin) { daemon, r in
            let name = r.parameter("name")
            return .offloaded { () throws(APIFailure) in
                try daemon.store.rollback(name: name)
                return try daemon.store.info(name)
            }
        },
        Route(.DELETE, "/v1/models/{name}/versions/{version}", .admin) { daemon, r in
            let (name, version) = (r.parameter("name"), r.parameter("version"))
            return .offloaded { () throws(APIFailure) in
                try daemon.store.remove(name: name, version: version)
                return try daemon.store.info(name)
            }
        },
        Route(.GET, "/v1/stats") { daemon, _ in .ok(daemon.stats.snapshot(board: daemon.board?.status())) },
        Route(.GET, "/v1/metrics") { daemon, _ in
            .bytes(.ok, contentType: PrometheusText.contentType, Array(daemon.metricsExposition().utf8))
        },
        Route(.GET, "/v1/events") { _, _ in .eventStream },
        Route(.GET, "/v1/sources") { daemon, _ in .ok(daemon.sources.list()) },
        Route(.POST, "/v1/reload", .admin) { daemon, _ in
            .offloaded { () throws(APIFailure) in
                try daemon.reloadFromDisk()
                return daemon.health()
            }
        },
    ]

    /// The typed request from the wire form: only headers and query are read here (on the event loop); the body is
    /// decoded by the worker that serves it.
    static func infer(_ daemon: Daemon, _ r: APIRequest, version: String?) throws(APIFailure) -> APIReply {
        let request = InferenceRequest(
            model: r.parameter("name"), version: version,
            input: try InputMediaType.payload(contentType: r.headers.first(name: "content-type"),
                                              inputFormat: r.headers.first(name: APIHeaders.inputFormat),
                                              tensorShape: r.headers.first(name: APIHeaders.tensorShape), body: r.body),
            options: try InferenceOptions(query: r.query))
        return .later { answer in
            daemon.infer(request) { result in
                switch result {
                case .success(let response): answer(.ok(response))
                case .failure(let failure): answer(.failure(failure))
                }
            }
        }
    }
}

/// The Prometheus text exposition's content type.
enum PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

extension APIReply {
    /// Blocking store work (file writes, fsync, validation) runs on one serial queue off the event loop, then answers.
    static func offloaded<T: Encodable & Sendable>(_ status: HTTPResponseStatus = .ok,
                                                   _ work: @escaping @Sendable () throws(APIFailure) -> T) -> APIReply {
        .later { answer in
            adminQueue.async {
                do throws(APIFailure) { answer(.json(status, try work())) } catch { answer(.failure(error)) }
            }
        }
    }
}

private let adminQueue = DispatchQueue(label: "qinferd.admin")
