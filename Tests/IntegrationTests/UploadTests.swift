import Foundation
import QInferProtocol
import QInferTestSupport
import Testing

extension Integration {
    /// An upload is written under a temporary name, parsed there once (its metadata may name the version, which names
    /// the file), then renamed; whatever is refused leaves nothing behind.
    @Suite("uploads") struct Uploads {
        @Test("the file's own version names the stored file; refusals after the parse leave no file; the renamed mapping serves")
        func versionFromTheFile() throws {
            let s = try Scratch()
            let d = try startDaemon(s)
            let dir = s.sub("state/models/m")
            // TestModels.a's metadata says version 1.
            var r = try HTTP.request(d.socket, "PUT", "/v1/models/m", body: TestModels.a)
            #expect(r.status == 201, "\(r.text)")
            #expect(try r.decode(ModelVersionInfo.self).version == "1")
            #expect(filesUnder(dir) == ["1.qpack"])

            // The same version again, known only once the upload is parsed: a conflict, and the temporary file goes.
            try expectAPIError(try HTTP.request(d.socket, "PUT", "/v1/models/m", body: TestModels.b), 409, "conflict", "version from the file")
            try expectAPIError(try HTTP.request(d.socket, "PUT", "/v1/models/m", body: Array(repeating: 7, count: 4096)), 400, "bad_model",
                               "garbage without a version")
            var truncated = TestModels.b
            truncated.removeLast(64)
            try expectAPIError(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=2", body: truncated), 400, "bad_model", "truncated")
            #expect(filesUnder(dir) == ["1.qpack"], "refused uploads leave no files")

            r = try HTTP.request(d.socket, "PUT", "/v1/models/m?version=2&activate=1", body: TestModels.b)
            #expect(r.status == 201, "\(r.text)")
            #expect(filesUnder(dir) == ["1.qpack", "2.qpack"])
            let info = try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self)
            #expect(info.activeVersion == "2" && info.versions.map(\.sha256).count == 2, "\(info)")
            // Served from the mapping made before the rename.
            let inferred = try HTTP.inferJSON(d.socket, model: "m", points: TestModels.input, shape: [TestModels.points, 3])
            #expect(inferred.status == 200, "\(inferred.text)")
            #expect(TestModels.close(try inferred.decode(InferResponse.self).outputs ?? [], try TestModels.expectedScores(TestModels.b)))
            // Deleting a version unlinks the file at its final path, which is the path the store recorded.
            #expect(try HTTP.request(d.socket, "DELETE", "/v1/models/m/versions/1").status == 200)
            #expect(filesUnder(dir) == ["2.qpack"])
            try expectHealthy(d, after: "uploads")
        }
    }
}
