import Foundation
import QInferClient
import QInferInputFormats
import QInferProtocol
import Testing

@Suite("requests and answers")
struct RequestResponseTests {
    @Test("a 2xx JSON answer decodes; the request goes out with its query, headers and body")
    func answers() throws {
        let server = try TestServer()
        let client = DaemonClient(socket: server.socketPath)
        let (health, response) = try client.call(Health.self, DaemonRequest(.GET, "/health"))
        #expect(response.status == 200 && health.models == 2 && health.version == "test")

        let payload = InputPayload.file(.xyz, Array("1 2 3\n".utf8), shape: nil)
        let request = try DaemonRequest.infer("m", payload: payload, options: InferenceOptions(topK: 3, includeOutputs: true))
        #expect(request.uri == APIPaths.infer("m") + "?top_k=3&outputs=1")
        var echoed = request
        echoed.path = "/echo"
        let echo = try JSONSerialization.jsonObject(with: Data(try client.call(echoed).body)) as? [String: Any]
        let headers = echo?["headers"] as? [String: String] ?? [:]
        #expect(echo?["method"] as? String == "POST" && echo?["uri"] as? String == "/echo?top_k=3&outputs=1", "\(echo ?? [:])")
        #expect(headers["content-type"] == InputMediaType.octetStream && headers[APIHeaders.inputFormat.lowercased()] == "xyz", "\(headers)")
        #expect(headers["content-length"] == "6" && echo?["body_bytes"] as? Int == 6, "\(headers)")
    }

    @Test("query names and values are percent-encoded; a decoded tensor has no /v1 form")
    func encoding() throws {
        let request = DaemonRequest(.GET, "/p", query: [("a b", "x&y=z"), ("v", "1.0_-~")])
        #expect(request.uri == "/p?a%20b=x%26y%3Dz&v=1.0_-~")
        let tensor = InputPayload.tensor(Tensor(shape: [1], storage: .float32([0])))
        #expect(throws: ClientError.self) { try DaemonRequest.infer("m", payload: tensor) }
        #expect(DaemonRequest.install("m", version: "2", activate: true, qpack: [1]).uri == APIPaths.model("m") + "?version=2&activate=1")
    }

    @Test("the API's error body becomes the message; another body is quoted with the status")
    func errors() throws {
        let server = try TestServer()
        let client = DaemonClient(socket: server.socketPath)
        do {
            _ = try client.call(DaemonRequest(.GET, "/refuse"))
            Issue.record("a 404 did not throw")
        } catch let e as DaemonErrorResponse {
            #expect(e.description == "qinferd: no model named 'x' (404 model_not_found)")
            #expect(e.apiError?.code == ErrorCode.modelNotFound.rawValue && e.response.status == 404)
        }
        do {
            _ = try client.call(DaemonRequest(.GET, "/plain-error"))
            Issue.record("a 500 did not throw")
        } catch let e as DaemonErrorResponse {
            #expect(e.description == "qinferd answered HTTP 500: boom" && e.apiError == nil)
        }
        // send() hands any status back as it is.
        #expect(try client.send(DaemonRequest(.GET, "/refuse")).status == 404)
        // A 2xx body that is not the expected type names the type and quotes the body.
        do {
            _ = try client.call(ModelList.self, DaemonRequest(.GET, "/health"))
            Issue.record("a Health decoded as a ModelList")
        } catch let e as ClientError {
            #expect(e.message.contains("ModelList") && e.message.contains("\"live\""), "\(e)")
        }
        // A connection closed without an answer.
        do {
            _ = try client.send(DaemonRequest(.GET, "/hang-up"))
            Issue.record("no answer did not throw")
        } catch {
            #expect(error.message.contains("closed the connection before answering") && error.message.contains(server.socketPath), "\(error)")
        }
    }
}
