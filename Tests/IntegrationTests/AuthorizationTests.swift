import Foundation
import QInferProtocol
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    @Suite("authorization") struct Authorization {
        static let setpriv = "/usr/bin/setpriv"

        /// Runs `qinfer` as uid/gid 65534 (nobody) with the given supplementary groups (none by default).
        func asNobody(_ arguments: [String], groups: [gid_t] = []) throws -> (status: Int32, out: String, err: String) {
            let groupFlag = groups.isEmpty ? "--clear-groups" : "--groups=" + groups.map(String.init).joined(separator: ",")
            return try runQInfer(arguments, prefix: [Self.setpriv, "--reuid=65534", "--regid=65534", groupFlag])
        }

        func requireTools() throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.setpriv),
                         "\(Self.setpriv) is missing: install util-linux (apt-get install util-linux) to run the second-uid tests")
            try #require(getuid() == 0, "the second-uid tests switch to uid 65534 with setpriv and must run as root")
            let probe = try asNobody(["--help"])
            let qinfer = try Binaries.qinfer
            try #require(probe.status == 0, "uid 65534 cannot run \(qinfer) (every directory on its path must be world-searchable): \(probe.err)")
        }

        @Test("a non-admin peer (uid 65534 via setpriv) gets 403 for upload, activate, rollback, delete and reload; reads and inference work")
        func nonAdmin() throws {
            try requireTools()
            let s = try Scratch()
            let d = try startDaemon(s, extra: ["--socket-mode", "0666", "--admin-group", ""])
            let sock = d.socket
            var st = stat()
            #expect(stat(sock, &st) == 0 && (st.st_mode & 0o777) == 0o666, "--socket-mode 0666: \(String(st.st_mode, radix: 8))")
            #expect(try HTTP.request(sock, "PUT", "/v1/models/m?version=1", body: TestModels.a).status == 201)
            #expect(try HTTP.request(sock, "PUT", "/v1/models/m?version=2&activate=1", body: TestModels.b).status == 201)
            let qpack = try s.write("c.qpack", TestModels.a)
            let cloud = try s.write("cloud.npy", InputFileWriters.npy(shape: [TestModels.points, 3], f32: TestModels.input))
            let before = try HTTP.get(sock, "/v1/models/m").text

            // Reads and inference.
            for args in [["health"], ["models"], ["models", "m"], ["stats"], ["infer", "m", cloud]] {
                let r = try asNobody(args + ["--socket", sock, "--json"])
                #expect(r.status == 0, "\(args) as nobody: \(r.err)")
                _ = try jsonObject(r.out)
            }
            let inferred = try JSONDecoder().decode(InferResponse.self, from: Data(try asNobody(["infer", "m", cloud, "--socket", sock, "--json"]).out.utf8))
            #expect(inferred.version == "2")

            // Every change is refused with the API's 403 body.
            let changes: [[String]] = [
                ["push", qpack, "--name", "m", "--version", "9"], ["push", qpack, "--name", "other"], ["activate", "m", "1"],
                ["rollback", "m"], ["rm", "m", "--version", "1"], ["rm", "m"], ["reload"],
            ]
            for args in changes {
                let r = try asNobody(args + ["--socket", sock, "--json"])
                #expect(r.status == 1, "\(args) as nobody must fail: \(r.out) \(r.err)")
                let body = try jsonObject(r.out)
                let e = body["error"] as? [String: Any]
                #expect(e?["status"] as? Int == 403 && e?["code"] as? String == "forbidden", "\(args): \(r.out)")
                #expect((e?["message"] as? String)?.contains("uid 65534") == true, "\(args): \(r.out)")
                #expect(r.err.contains("403 forbidden"), "\(args): \(r.err)")
            }
            // The same over the raw API for each admin route, from a client running as nobody (qinfer without --json).
            let r = try asNobody(["push", qpack, "--name", "m", "--version", "9", "--socket", sock])
            #expect(r.status == 1 && r.err.contains("needs an admin peer"), "\(r.err)")
            #expect(try HTTP.get(sock, "/v1/models/m").text == before, "nothing changed")
            #expect(try HTTP.get(sock, "/v1/models").decode(ModelList.self).models.map(\.name) == ["m"])
            try expectHealthy(d, after: "refused changes")
        }

        @Test("members of the admin group (supplementary or primary) may change models")
        func adminGroup() throws {
            try requireTools()
            // Any existing group other than root's and nobody's stands in for qinferd-admin.
            let candidates = ["staff", "users", "adm", "daemon", "bin", "sys"]
            let (name, gid) = try #require(candidates.lazy.compactMap { n -> (String, gid_t)? in
                guard let g = getgrnam(n), g.pointee.gr_gid != 0, g.pointee.gr_gid != 65534 else { return nil }
                return (n, g.pointee.gr_gid)
            }.first, "no group among \(candidates) exists")
            let s = try Scratch()
            let d = try startDaemon(s, extra: ["--socket-mode", "0666", "--admin-group", name])
            let qpack = try s.write("c.qpack", TestModels.a)
            var r = try asNobody(["push", qpack, "--name", "m", "--version", "1", "--socket", d.socket, "--json"])
            #expect(r.status == 1 && r.out.contains("forbidden"), "not in \(name): \(r.out) \(r.err)")
            r = try asNobody(["push", qpack, "--name", "m", "--version", "1", "--socket", d.socket, "--json"], groups: [gid])
            #expect(r.status == 0, "supplementary group \(name): \(r.out) \(r.err)")
            #expect(try JSONDecoder().decode(ModelVersionInfo.self, from: Data(r.out.utf8)).version == "1")
            r = try runQInfer(["rm", "m", "--version", "1", "--socket", d.socket],
                              prefix: [Self.setpriv, "--reuid=65534", "--regid=\(gid)", "--clear-groups"])
            #expect(r.status == 1 && r.err.contains("active"), "primary group \(name) reaches the store (409: the active version): \(r.err)")
            r = try runQInfer(["rm", "m", "--socket", d.socket], prefix: [Self.setpriv, "--reuid=65534", "--regid=\(gid)", "--clear-groups"])
            #expect(r.status == 0 && r.out.contains("deleted m"), "primary group \(name): \(r.out) \(r.err)")
        }
    }
}
