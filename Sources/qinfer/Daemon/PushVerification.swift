// `qinfer push --verify INPUT --expect LABEL`: after the new version is active, one inference and a health check
// decide whether it stays. Every way of failing — a wrong label, a refused or failed request, an answer from another
// version, a daemon not ready — is a reason to restore the store, never an error that would skip the restore.
import Foundation
import QInferClient
import QInferProtocol

/// The check run against a freshly activated version.
struct PushVerification {
    /// POST /v1/models/{model}/infer with the input file.
    let request: DaemonRequest
    let expected: String

    enum Outcome {
        case verified(Prediction, micros: Int)
        case failed(reason: String)
    }

    func run(_ client: DaemonClient, installed: String) -> Outcome {
        let answer: InferResponse
        do {
            let response = try client.send(request)
            guard response.isSuccess else { return .failed(reason: "the inference was refused: \(DaemonErrorResponse(response))") }
            answer = try response.decode(InferResponse.self)
        } catch {
            return .failed(reason: "the inference failed: \(error)")
        }
        guard answer.version == installed else {
            return .failed(reason: "the answer came from v\(answer.version), not the pushed v\(installed) (another activation in between?)")
        }
        guard let top = answer.top.first else { return .failed(reason: "expected \(expected), got no label") }
        guard top.label == expected else {
            return .failed(reason: "expected \(expected), got \(top.label) (\(fixed(Double(top.score), digits: 4)))")
        }
        do {
            let response = try client.send(DaemonRequest(.GET, APIPaths.health))
            let health = try? JSONDecoder().decode(Health.self, from: Data(response.body))
            guard let health, health.ready else {
                return .failed(reason: "qinferd is not ready after the activation (HTTP \(response.status): \(response.text.prefix(200)))")
            }
        } catch {
            return .failed(reason: "the health check failed: \(error)")
        }
        return .verified(top, micros: answer.telemetry.totalMicros)
    }
}
