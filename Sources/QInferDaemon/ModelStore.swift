import Foundation
import Logging
import QInferModel
import QInferProtocol
import QInferSigning
import Synchronization

/// The model store: `<root>/models/<name>/<version>.qpack` plus `state.json` (active and previous versions).
/// Installing writes a temporary file in the model's directory, syncs it, maps and validates it (format, checksum,
/// graph, an engine plan: the one parse, whose metadata also names the version), renames it into place keeping that
/// mapping, and syncs the directory, so a crash at any point leaves either the old store or the new one.
/// Corrupt files found at start are moved to `<root>/quarantine` with a log line. When the store holds no model,
/// the shipped models (the embedded default) are served read-only.
/// Signatures (SignaturePolicy): uploads are admitted by the policy in force; at start, a stored version whose
/// signature names a trusted key but does not verify is quarantined like a corrupt file, and when signatures are
/// required, stored versions that are unsigned or signed by an unknown key keep serving (an admin installed them under
/// the rules of the time; dropping them would turn a config change into an outage) with a warning each, while embedded
/// defaults are served only if they are the shipped files (ShippedModels) or signed by a trusted key.
public final class ModelStore: Sendable {
    public let root: String
    let modelsDir: String, quarantineDir: String, statePath: String
    private let logger: Logger

    private struct Table {
        var versions: [String: [String: ServingModel]] = [:]
        var state = StoreState()
        var embedded: [String: ServingModel] = [:]
    }
    private let table = Mutex(Table())
    /// Writers (install, activate, delete) run one at a time; readers only take `table` briefly.
    private let writer = Mutex(())
    private let signatures: Mutex<SignaturePolicy>

    public init(root: String, embeddedDirectories: [String], logger: Logger,
                signatures: SignaturePolicy = SignaturePolicy(keyring: TrustedKeyring(), requirement: .off)) throws(APIFailure) {
        self.root = root
        self.signatures = Mutex(signatures)
        modelsDir = "\(root)/models"
        quarantineDir = "\(root)/quarantine"
        statePath = "\(root)/state.json"
        self.logger = logger
        for dir in [root, modelsDir, quarantineDir] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw APIFailure(.internalError, "cannot create \(dir): \(error.localizedDescription)")
            }
        }
        var loaded = Table()
        var unfinished = 0, quarantined = 0
        // A temporary state.json from a save that never finished: the previous state.json is still whole.
        for file in Self.entries(root) where file.hasPrefix(".state.json.") {
            unlink("\(root)/\(file)")
            unfinished += 1
            logger.warning("removed unfinished state write \(root)/\(file)")
        }
        let (state, stateProblem) = StoreState.load(from: statePath)
        if let stateProblem { logger.error("\(stateProblem)") }
        loaded.state = state
        for name in Self.entries(modelsDir) where APIPaths.isValidName(name) {
            let dir = "\(modelsDir)/\(name)"
            for file in Self.entries(dir) {
                let path = "\(dir)/\(file)"
                if file.hasPrefix(".") {
                    // A temporary file from an upload that never finished (crash, kill -9): never valid.
                    unlink(path)
                    unfinished += 1
                    logger.warning("removed unfinished upload \(path)")
                    continue
                }
                guard file.hasSuffix(".qpack") else { continue }
                let version = String(file.dropLast(6))
                do {
                    let serving = try ServingModel(name: name, version: version, path: path, source: "store")
                    switch signatures.verdict(serving.model) {
                    case .badSignature(let id):
                        quarantine(path, name: name, version: version, reason: "the signature by trusted key \(id) does not verify")
                        quarantined += 1
                        continue
                    case .unsigned where signatures.required, .unknownKey where signatures.required:
                        logger.warning("model \(name) v\(version) is served although it is \(serving.model.signer.map { "signed by untrusted key \($0.keyIDHex)" } ?? "unsigned") and require_signature is \(signatures.requirement.rawValue): it was stored before; re-upload it signed or delete it")
                    default: break
                    }
                    loaded.versions[name, default: [:]][version] = serving
                } catch {
                    quarantine(path, name: name, version: version, reason: error.message)
                    quarantined += 1
                }
            }
        }
        // Active versions that did not survive (quarantined, deleted by hand) fall back to the previous or newest one.
        for (name, versions) in loaded.versions {
            var entry = loaded.state.models[name] ?? StoreState.Entry()
            if entry.active.map({ versions[$0] == nil }) ?? true {
                let fallback = entry.previous.flatMap { versions[$0] != nil ? $0 : nil } ?? versions.keys.sorted().last
                if let missing = entry.active { logger.error("model \(name): active version \(missing) is gone; serving \(fallback ?? "nothing")") }
                entry.active = fallback
            }
            loaded.state.models[name] = entry
        }
        loaded.state.models = loaded.state.models.filter { loaded.versions[$0.key] != nil }
        let summary = "model store \(root): \(loaded.versions.count) model(s), \(loaded.versions.values.reduce(0) { $0 + $1.count }) version(s)"
            + (unfinished > 0 ? ", removed \(unfinished) unfinished write(s)" : "")
            + (quarantined > 0 ? ", quarantined \(quarantined) corrupt file(s)" : "")
        logger.info("\(summary)")
        if loaded.versions.isEmpty {
            for dir in embeddedDirectories {
                for path in Self.qpacks(under: dir) {
                    do {
                        let model = try PackedModel(path: path)
                        let name = model.metadata.name, version = model.metadata.version
                        guard APIPaths.isValidName(name), APIPaths.isValidName(version), loaded.embedded[name] == nil else { continue }
                        if let refusal = Self.embeddedRefusal(model, signatures) {
                            logger.error("embedded model \(path) is not served: \(refusal)")
                            continue
                        }
                        loaded.embedded[name] = try ServingModel(name: name, version: version, path: path, source: "embedded", model: model)
                        logger.info("serving embedded model \(name) v\(version) from \(path)")
                    } catch {
                        logger.error("embedded model \(path) does not load: \(error.message)")
                    }
                }
            }
        }
        table.withLock { $0 = loaded }
    }

    /// Why an embedded default may not be served under `signatures`, or nil. The shipped files are exempt, recognized
    /// by their verified content checksum; anything else there needs a trusted signature like an upload.
    static func embeddedRefusal(_ model: PackedModel, _ signatures: SignaturePolicy) -> String? {
        switch signatures.verdict(model) {
        case .trusted: return nil
        case .badSignature(let id): return "its signature by trusted key \(id) does not verify"
        case .unsigned where signatures.required, .unknownKey where signatures.required:
            if ShippedModels.sha256.contains(model.sha256) { return nil }
            return "it is not a file this qinferd shipped (sha256 \(model.sha256)) and not signed by a trusted key, which require_signature demands"
        case .unsigned, .unknownKey: return nil
        }
    }

    /// The signature rules for later uploads (the daemon sets them again on every reload).
    public var signaturePolicy: SignaturePolicy {
        get { signatures.withLock { $0 } }
    }

    /// Applies new rules: to later uploads, and to the embedded defaults served now, so a reload that makes signatures
    /// required (a first key under "auto") stops serving an embedded file that is neither shipped nor trusted at once.
    /// Stored versions are judged at start only (see the type's comment).
    public func setSignaturePolicy(_ policy: SignaturePolicy) {
        signatures.withLock { $0 = policy }
        let dropped = table.withLock { t in
            let refused = t.embedded.compactMap { name, m in Self.embeddedRefusal(m.model, policy).map { (name, m.path, $0) } }
            for (name, _, _) in refused { t.embedded[name] = nil }
            return refused
        }
        for (_, path, why) in dropped { logger.error("embedded model \(path) is no longer served: \(why)") }
    }

    private func quarantine(_ path: String, name: String, version: String, reason: String) {
        let stamp = Int(Date().timeIntervalSince1970)
        let target = "\(quarantineDir)/\(name)-\(version)-\(stamp).qpack"
        if rename(path, target) == 0 {
            logger.error("quarantined \(path) → \(target): \(reason)")
        } else {
            logger.error("corrupt model \(path) (\(reason)) could not be moved to quarantine: \(String(cString: strerror(errno)))")
        }
    }

    static func entries(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    static func qpacks(under dir: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let item = walker.nextObject() as? String, out.count < 256 {
            if item.hasSuffix(".qpack") { out.append("\(dir)/\(item)") }
        }
        return out.sorted()
    }

    // MARK: reading

    /// The version that serves requests for `name` now.
    public func active(_ name: String) -> ServingModel? {
        table.withLock { t in
            if let v = t.state.models[name]?.active, let m = t.versions[name]?[v] { return m }
            return t.versions.isEmpty ? t.embedded[name] : nil
        }
    }

    /// The version that serves a request: the named one (active or not), else the active one.
    public func serving(_ name: String, version: String?) throws(APIFailure) -> ServingModel {
        guard let version else {
            guard let m = active(name) else { throw APIFailure(.modelNotFound, "no model named '\(name)' (GET /v1/models lists them)") }
            return m
        }
        return try table.withLock { (t) throws(APIFailure) -> ServingModel in
            if let m = t.versions[name]?[version] { return m }
            if t.versions.isEmpty, let m = t.embedded[name], m.version == version { return m }
            guard t.versions[name] != nil || (t.versions.isEmpty && t.embedded[name] != nil) else {
                throw APIFailure(.modelNotFound, "no model named '\(name)' (GET /v1/models lists them)")
            }
            throw APIFailure(.versionNotFound, "model \(name) has no version \(version)")
        }
    }

    public var modelCount: Int { table.withLock { $0.versions.isEmpty ? $0.embedded.count : $0.versions.count } }

    public func list() -> [ModelInfo] {
        table.withLock { t in
            if t.versions.isEmpty {
                return t.embedded.keys.sorted().map { n in
                    ModelInfo(name: n, activeVersion: t.embedded[n]!.version, previousVersion: nil, versions: [Self.info(t.embedded[n]!, active: true)])
                }
            }
            return t.versions.keys.sorted().map { n in
                let entry = t.state.models[n]
                return ModelInfo(name: n, activeVersion: entry?.active, previousVersion: entry?.previous,
                                 versions: t.versions[n]!.keys.sorted().map { Self.info(t.versions[n]![$0]!, active: $0 == entry?.active) })
            }
        }
    }

    public func info(_ name: String) throws(APIFailure) -> ModelInfo {
        guard let m = list().first(where: { $0.name == name }) else { throw APIFailure(.modelNotFound, "no model named '\(name)'") }
        return m
    }

    static func info(_ m: ServingModel, active: Bool) -> ModelVersionInfo {
        ModelVersionInfo(version: m.version, sha256: m.model.sha256, bytes: m.model.fileSize, task: m.model.metadata.task.rawValue,
                         labels: m.model.metadata.labels.count, inputShape: m.model.metadata.input.shape, active: active, source: m.source,
                         signer: m.model.signer?.keyIDHex)
    }

    // MARK: writing

    /// Validates and installs an uploaded .qpack as `name`/`version` (default: the file's metadata version).
    /// Activates it when asked, or when the model had no active version.
    public func install(name: String, version: String?, bytes: [UInt8], activate: Bool?) throws(APIFailure) -> ModelVersionInfo {
        guard APIPaths.isValidName(name) else { throw APIFailure(.badRequest, "model name '\(name)' is not valid (1–64 of A–Z a–z 0–9 . _ -)") }
        return try writer.withLock { _ throws(APIFailure) -> ModelVersionInfo in
            let dir = "\(modelsDir)/\(name)"
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw APIFailure(.internalError, "cannot create \(dir): \(error.localizedDescription)")
            }
            // A version given with the upload is checked before the bytes are written, one from the file after.
            if let version { try checkNewVersion(name: name, version) }
            // The version may come from the file, and it names the file: so the bytes go to disk under a temporary
            // name first (a dot name, swept at start after a crash), are parsed there once, and are renamed after.
            let staged: StagedFile
            do throws(ModelError) { staged = try StagedFile(bytes, in: dir, prefix: ".upload.") } catch { throw APIFailure(.internalError, error.message) }
            let model: PackedModel
            do throws(ModelError) {
                let mapping = try MappedFile(path: staged.path)
                model = try PackedModel(bytes: mapping.bytes, owner: mapping)
            } catch {
                throw APIFailure(error.isSignatureProblem ? .badSignature : .badModel, "the upload is not a valid .qpack: \(error.message)")
            }
            // Before the version check: a refused signature is the answer whatever the version, and says more.
            let admitted = try signaturePolicy.admit(model)
            if let note = admitted.note { logger.warning("upload of model \(name): \(note)") }
            let v = version ?? model.metadata.version
            if version == nil { try checkNewVersion(name: name, v) }
            let serving: ServingModel
            do throws(ModelError) { serving = try ServingModel(name: name, version: v, path: "\(dir)/\(v).qpack", source: "store", model: model) } catch {
                throw APIFailure(.badModel, "the upload is not a valid .qpack: \(error.message)")
            }
            do throws(ModelError) { try staged.commit(as: "\(v).qpack") } catch { throw APIFailure(.internalError, error.message) }
            try table.withLock { (t) throws(APIFailure) in
                t.versions[name, default: [:]][v] = serving
                var entry = t.state.models[name] ?? StoreState.Entry()
                if activate ?? (entry.active == nil) {
                    if entry.active != v { entry.previous = entry.active }
                    entry.active = v
                }
                t.state.models[name] = entry
                try save(t.state)
            }
            logger.info("installed model \(name) v\(v) (\(bytes.count) bytes, \(admitted.signer.map { "signed by key \($0)" } ?? "unsigned"))")
            return Self.info(serving, active: table.withLock { $0.state.models[name]?.active == v })
        }
    }

    private func checkNewVersion(name: String, _ v: String) throws(APIFailure) {
        guard APIPaths.isValidName(v) else { throw APIFailure(.badRequest, "version '\(v)' is not valid (1–64 of A–Z a–z 0–9 . _ -)") }
        if table.withLock({ $0.versions[name]?[v] != nil }) {
            throw APIFailure(.conflict, "model \(name) already has version \(v); delete it first or upload another version")
        }
    }

    private func save(_ state: StoreState) throws(APIFailure) {
        do { try state.save(to: statePath) } catch { throw APIFailure(.internalError, error.message) }
    }

    public func activate(name: String, version: String) throws(APIFailure) {
        try writer.withLock { _ throws(APIFailure) in
            try table.withLock { (t) throws(APIFailure) in
                guard let versions = t.versions[name] else {
                    throw APIFailure(t.embedded[name] != nil ? .conflict : .modelNotFound,
                                     t.embedded[name] != nil ? "model \(name) is an embedded default; upload a version to manage it" : "no model named '\(name)'")
                }
                guard versions[version] != nil else {
                    throw APIFailure(.versionNotFound, "model \(name) has no version \(version) (has \(versions.keys.sorted().joined(separator: ", ")))")
                }
                var entry = t.state.models[name] ?? StoreState.Entry()
                if entry.active != version { entry.previous = entry.active; entry.active = version }
                var next = t.state
                next.models[name] = entry
                try save(next)
                t.state = next
            }
            logger.info("activated model \(name) v\(version)")
        }
    }

    /// Makes the previous version active again (and the current one the previous).
    public func rollback(name: String) throws(APIFailure) {
        let previous = table.withLock { $0.state.models[name]?.previous }
        guard let previous else { throw APIFailure(.conflict, "model \(name) has no previous version to roll back to") }
        try activate(name: name, version: previous)
    }

    /// Deletes one version, or the whole model when `version` is nil. The active version can only go with the model.
    public func remove(name: String, version: String?) throws(APIFailure) {
        try writer.withLock { _ throws(APIFailure) in
            let paths: [String] = try table.withLock { (t) throws(APIFailure) -> [String] in
                guard let versions = t.versions[name] else { throw APIFailure(.modelNotFound, "no model named '\(name)'") }
                var next = t.state
                if let version {
                    guard let m = versions[version] else { throw APIFailure(.versionNotFound, "model \(name) has no version \(version)") }
                    guard next.models[name]?.active != version else {
                        throw APIFailure(.conflict, "version \(version) of \(name) is active; activate another first or delete the model")
                    }
                    if next.models[name]?.previous == version { next.models[name]?.previous = nil }
                    try save(next)
                    t.state = next
                    t.versions[name]![version] = nil
                    return [m.path]
                }
                next.models[name] = nil
                try save(next)
                t.state = next
                t.versions[name] = nil
                return versions.values.map(\.path)
            }
            // Requests in flight keep their mapping; unlinking the file does not disturb them.
            for p in paths { unlink(p) }
            if version == nil { rmdir("\(modelsDir)/\(name)") }
            logger.info("deleted model \(name)\(version.map { " v\($0)" } ?? "")")
        }
    }
}
