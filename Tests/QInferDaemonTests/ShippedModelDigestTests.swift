import Foundation
import QInferModel
import Testing
@testable import QInferDaemon

/// The digests compiled into qinferd (ShippedModels) are exactly the models under models/: a retrained model that
/// is committed without updating the list would otherwise stop being served on boards that require signatures.
@Suite("shipped model digests") struct ShippedModelDigestTests {
    @Test("ShippedModels.sha256 lists the checksum of every models/*/*.qpack and nothing else")
    func digestsMatchTheModels() throws {
        let models = APIServer.repository + "/models"
        var found: [String: String] = [:]
        for path in ModelStore.qpacks(under: models) {
            found[try PackedModel(path: path).sha256] = path
        }
        #expect(!found.isEmpty)
        for (digest, path) in found where !ShippedModels.sha256.contains(digest) {
            Issue.record("\(path) has sha256 \(digest), which Sources/QInferDaemon/ShippedModels.swift does not list")
        }
        for digest in ShippedModels.sha256 where found[digest] == nil {
            Issue.record("ShippedModels lists \(digest), which no model under models/ has (remove it)")
        }
    }
}
