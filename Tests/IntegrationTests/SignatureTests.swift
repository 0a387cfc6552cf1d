import Crypto
import Foundation
import QInferProtocol
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    /// Signed uploads against a real qinferd: keys from `qinfer keygen`, files signed with `qinfer sign`, the trusted
    /// keys directory and require_signature from a qinferd.toml, reloads with POST /v1/reload and SIGHUP.
    @Suite("signed models") struct SignedModels {
        /// A scratch directory with keys `names` (private keys in keys/, public halves copied into trusted/ for `trusted`).
        struct Keys {
            let scratch: Scratch
            var trustedDir: String { scratch.sub("trusted") }
            init(_ scratch: Scratch, names: [String], trusted: [String]) throws {
                self.scratch = scratch
                try FileManager.default.createDirectory(atPath: scratch.sub("keys"), withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: scratch.sub("trusted"), withIntermediateDirectories: true)
                for name in names {
                    let r = try runQInfer(["keygen", scratch.sub("keys/\(name)")])
                    #expect(r.status == 0, "\(r.err)")
                }
                for name in trusted { try trust(name) }
            }
            func trust(_ name: String) throws {
                try FileManager.default.copyItem(atPath: scratch.sub("keys/\(name).pub"), toPath: "\(trustedDir)/\(name).pub")
            }
            func keyID(_ name: String) throws -> String {
                let line = try String(contentsOfFile: scratch.sub("keys/\(name).pub"), encoding: .utf8)
                let raw = try #require(Data(base64Encoded: String(line.split(separator: " ")[1])))
                return SHA256.hash(data: raw).prefix(8).map { String(format: "%02x", $0) }.joined()
            }
            /// `bytes` signed with key `name` (through `qinfer sign`).
            func signed(_ bytes: [UInt8], with name: String) throws -> [UInt8] {
                let path = try scratch.write("to-sign-\(UUID().uuidString.prefix(6)).qpack", bytes)
                let r = try runQInfer(["sign", path, "--key", scratch.sub("keys/\(name)")])
                #expect(r.status == 0, "\(r.err)")
                return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            func config(require: String) throws -> String {
                try scratch.write("qinferd.toml", Array("trusted_keys_dir = \"\(trustedDir)\"\nrequire_signature = \(require)\n".utf8))
            }
        }

        static func put(_ d: DaemonProcess, _ name: String, _ body: [UInt8], version: String) throws -> HTTPResult {
            try HTTP.request(d.socket, "PUT", "/v1/models/\(name)?version=\(version)", body: body)
        }

        /// `file` with its signature section replaced by `other`'s: another content under a signature that is
        /// well-formed and names the same key, with a valid checksum (tampered, then re-checksummed).
        static func graft(_ other: [UInt8], onto file: [UInt8]) -> [UInt8] { Array(file.dropLast(128)) + Array(other.suffix(128)) }

        @Test("required: a trusted signature is accepted and reported; unsigned 403, unknown key 403, tampered 400, all logged with the uid")
        func required() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["a", "stranger"], trusted: ["a"])
            let d = try startDaemon(s, extra: ["--config", try keys.config(require: "true")])
            let signedA = try keys.signed(TestModels.a, with: "a")
            var r = try Self.put(d, "m", signedA, version: "1")
            #expect(r.status == 201, "\(r.text)")
            let info = try r.decode(ModelVersionInfo.self)
            #expect(info.signer == (try keys.keyID("a")))
            #expect(try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self).versions.first?.signer == (try keys.keyID("a")))

            let unsigned = try expectAPIError(try Self.put(d, "m", TestModels.b, version: "2"), 403, "signature_required", "unsigned")
            #expect(unsigned.contains("unsigned"))
            let stranger = try expectAPIError(try Self.put(d, "m", try keys.signed(TestModels.b, with: "stranger"), version: "3"), 403,
                                              "untrusted_key", "unknown key")
            #expect(stranger.contains(try keys.keyID("stranger")))
            let grafted = Self.graft(signedA, onto: TestModels.b)
            let tampered = try expectAPIError(try Self.put(d, "m", grafted, version: "4"), 400, "bad_signature", "tampered, re-checksummed")
            #expect(tampered.contains("does not verify"))
            var malformed = signedA
            malformed[malformed.count - 128 + 5] = 9 // algorithm 9
            let bad = try expectAPIError(try Self.put(d, "m", malformed, version: "5"), 400, "bad_signature", "malformed slot")
            #expect(bad.contains("algorithm 9"), "\(bad)")
            var corrupt = signedA
            corrupt[corrupt.count - 300] ^= 0x40 // tensor data, not re-checksummed: the checksum refuses it first
            try expectAPIError(try Self.put(d, "m", corrupt, version: "6"), 400, "bad_model", "tampered without a new checksum")

            #expect(filesUnder(s.sub("state/models/m")) == ["1.qpack"], "refused uploads leave no file")
            let uid = getuid()
            try wait(timeout: 5, "the refusals in the log") { d.log.components(separatedBy: "refused upload of model m from uid \(uid)").count - 1 >= 5 }
            for reason in ["unsigned", "not among", "does not verify", "algorithm 9", "checksum"] {
                #expect(d.log.split(separator: "\n").contains { $0.contains("uid \(uid)") && $0.contains(reason) },
                        "no log line for \(reason):\n\(d.log)")
            }
            try expectHealthy(d, after: "signature refusals")
        }

        @Test("not required: unsigned and unknown-key uploads are accepted (the unknown key logged); a bad signature is still 400")
        func notRequired() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["a", "stranger"], trusted: ["a"])
            let d = try startDaemon(s, extra: ["--config", try keys.config(require: "false")])
            #expect(try Self.put(d, "m", TestModels.a, version: "1").status == 201)
            let r = try Self.put(d, "m", try keys.signed(TestModels.b, with: "stranger"), version: "2")
            #expect(r.status == 201, "\(r.text)")
            #expect(try r.decode(ModelVersionInfo.self).signer == (try keys.keyID("stranger")))
            try wait(timeout: 5, "the unknown key's warning") { d.log.contains("which is not trusted; accepted") }
            let grafted = Self.graft(try keys.signed(TestModels.a, with: "a"), onto: TestModels.b)
            try expectAPIError(try Self.put(d, "m", grafted, version: "3"), 400, "bad_signature", "bad signature, not required")
        }

        @Test("auto: open while the directory has no valid key (a malformed one is skipped by name), closed once a key is added and reloaded")
        func auto() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["a"], trusted: [])
            try s.write("trusted/broken.pub", Array("qinfer-ed25519 nope\n".utf8))
            try s.write("embedded/other/other.qpack", TestModels.a) // unsigned, not a shipped file
            let d = try startDaemon(s, extra: ["--config", try keys.config(require: "\"auto\"")])
            #expect(d.log.contains("broken.pub"), "the malformed key file is named in the log:\n\(d.log)")
            func served() throws -> [String] { try HTTP.get(d.socket, "/v1/models").decode(ModelList.self).models.map(\.name) }
            #expect(try served() == ["pointnet-101"], "no valid key: the embedded file is served")
            try keys.trust("a")
            #expect(try HTTP.request(d.socket, "POST", "/v1/reload").status == 200)
            #expect(try served() == [], "a key makes signatures required: the unshipped embedded file goes")
            try expectAPIError(try Self.put(d, "m", TestModels.b, version: "1"), 403, "signature_required", "auto with a key")
            #expect(try Self.put(d, "m", try keys.signed(TestModels.b, with: "a"), version: "2").status == 201)
            try FileManager.default.removeItem(atPath: "\(keys.trustedDir)/a.pub")
            #expect(try HTTP.request(d.socket, "POST", "/v1/reload").status == 200)
            #expect(try Self.put(d, "m", TestModels.a, version: "3").status == 201, "no valid key left: open again")
        }

        @Test("rotation: two keys trusted at once; removing one's file and reloading (POST, then SIGHUP) stops accepting it")
        func rotation() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["old", "new"], trusted: ["old", "new"])
            let d = try startDaemon(s, extra: ["--config", try keys.config(require: "true")])
            #expect(try Self.put(d, "m", try keys.signed(TestModels.a, with: "old"), version: "1").status == 201)
            #expect(try Self.put(d, "m", try keys.signed(TestModels.a, with: "new"), version: "2").status == 201)
            try FileManager.default.removeItem(atPath: "\(keys.trustedDir)/old.pub")
            #expect(try HTTP.request(d.socket, "POST", "/v1/reload").status == 200)
            try expectAPIError(try Self.put(d, "m", try keys.signed(TestModels.b, with: "old"), version: "3"), 403, "untrusted_key", "removed key")
            #expect(try Self.put(d, "m", try keys.signed(TestModels.b, with: "new"), version: "4").status == 201)
            // Back with SIGHUP (asynchronous: wait for the reload's log line).
            try keys.trust("old")
            d.signal(SIGHUP)
            try wait(timeout: 10, "the SIGHUP reload to trust two keys again") {
                d.log.split(separator: "\n").filter { $0.contains("trusted keys: 2 in") }.count >= 2
            }
            #expect(try Self.put(d, "m", try keys.signed(TestModels.b, with: "old"), version: "5").status == 201)
        }

        @Test("shipped models are exempt only as shipped: a changed copy or another unsigned file is not served while signatures are required")
        func shippedExemption() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["a"], trusted: ["a"])
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
            let shipped = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(root)/models/irnet/irnet.qpack")))
            try s.write("embedded/irnet/irnet.qpack", shipped)
            // The shipped BiPointNet with one padding byte changed and the checksum recomputed: valid, but not shipped.
            try s.write("embedded/bipointnet/bipointnet.qpack",
                        Self.changedAndResealed([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(root)/models/bipointnet/bipointnet.qpack")))))
            try s.write("embedded/other/other.qpack", TestModels.a)
            try s.write("embedded/signed/signed.qpack", try keys.signed(TestModels.b, with: "a"))
            let d = try startDaemon(s, extra: ["--config", try keys.config(require: "true")])
            let served = try HTTP.get(d.socket, "/v1/models").decode(ModelList.self).models.map(\.name).sorted()
            #expect(served == ["irnet", "pointnet-202"], "\(served)\n\(d.log)")
            #expect(d.log.contains("bipointnet.qpack is not served") && d.log.contains("other.qpack is not served"), "\(d.log)")

            // Not required: all four are served as before.
            let open = try Scratch()
            try FileManager.default.copyItem(atPath: s.sub("embedded"), toPath: open.sub("embedded"))
            let d2 = try startDaemon(open)
            #expect(try HTTP.get(d2.socket, "/v1/models").decode(ModelList.self).models.count == 4)
        }

        @Test("at start with signatures required: stored unsigned versions keep serving with a warning; a stored forged signature is quarantined")
        func storedModelsAtStart() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["a"], trusted: ["a"])
            var d: DaemonProcess? = try startDaemon(s, extra: ["--config", try keys.config(require: "false")])
            #expect(try Self.put(try #require(d), "m", TestModels.a, version: "1").status == 201)
            #expect(try Self.put(try #require(d), "m", try keys.signed(TestModels.b, with: "a"), version: "2").status == 201)
            d = nil // killed
            // A file placed in the store by hand: another model's content under a's signature (checksum valid).
            try s.write("state/models/m/3.qpack", Self.graft(try keys.signed(TestModels.a, with: "a"), onto: TestModels.b))
            let restarted = try startDaemon(s, extra: ["--config", try keys.config(require: "true")])
            let info = try HTTP.get(restarted.socket, "/v1/models/m").decode(ModelInfo.self)
            #expect(info.versions.map(\.version) == ["1", "2"], "\(info)\n\(restarted.log)")
            #expect(info.versions.map(\.signer) == [nil, try keys.keyID("a")])
            #expect(restarted.log.contains("model m v1 is served although it is unsigned"), "\(restarted.log)")
            #expect(restarted.log.contains("quarantined") && restarted.log.contains("does not verify"), "\(restarted.log)")
            #expect(filesUnder(s.sub("state/quarantine")).count == 1)
        }

        @Test("require_signature takes true, false or \"auto\"; anything else is refused by name and a reload keeps the running rules")
        func badRequirementValue() throws {
            let s = try Scratch()
            let keys = try Keys(s, names: ["a"], trusted: ["a"])
            let config = try keys.config(require: "true")
            let d = try startDaemon(s, extra: ["--config", config])
            try s.write("qinferd.toml", Array("require_signature = \"sometimes\"\n".utf8))
            let message = try expectAPIError(try HTTP.request(d.socket, "POST", "/v1/reload"), 400, "bad_request", "bad require_signature")
            #expect(message.contains("require_signature") && message.contains("sometimes"), "\(message)")
            try expectAPIError(try Self.put(d, "m", TestModels.a, version: "1"), 403, "signature_required", "still required")
            try s.write("qinferd.toml", Array("require_signature = 1\n".utf8))
            #expect(try HTTP.request(d.socket, "POST", "/v1/reload").status == 400)
        }

        static func changedAndResealed(_ file: [UInt8]) -> [UInt8] {
            var out = file
            // The padding after the metadata section (the first table entry): covered by the checksum, read by nobody.
            let u64 = { (at: Int) in (0..<8).reduce(0) { $0 | Int(file[at + $1]) << (8 * $1) } }
            let metadataEnd = u64(128 + 8) + u64(128 + 16)
            precondition(metadataEnd % 64 != 0, "the test needs padding after the metadata section")
            out[metadataEnd] ^= 0x01
            var hasher = SHA256()
            hasher.update(data: out[..<48])
            hasher.update(data: out[80..<(out.count - 128)])
            out.replaceSubrange(48..<80, with: Array(hasher.finalize()))
            return out
        }
    }
}
