import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import Testing

/// The models shipped in models/: each card's machine-readable line names the .qpack, its committed test set and
/// the accuracy the card claims; the Swift engine must reproduce it (±0.5 points) and the file must be the one
/// the card describes (content sha256).
///
///     <!-- qinfer-eval model=irnet.qpack samples=testset_images.npy labels=testset_labels.npy accuracy=86.50 sha256=… -->
@Suite struct ShippedModelTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../models").standardized.path

    struct Card: Sendable, CustomTestStringConvertible {
        let directory: String
        let fields: [String: String]
        var testDescription: String { (directory as NSString).lastPathComponent }
    }

    static func cards() -> [Card] {
        let dirs = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        return dirs.compactMap { d -> Card? in
            let path = "\(root)/\(d)/MODEL_CARD.md"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.contains("<!-- qinfer-eval ") }) else { return nil }
            var fields: [String: String] = [:]
            for part in line.split(separator: " ") where part.contains("=") {
                let kv = part.split(separator: "=", maxSplits: 1)
                fields[String(kv[0])] = String(kv[1])
            }
            return Card(directory: "\(root)/\(d)", fields: fields)
        }
    }

    static func npy(_ path: String) throws -> Tensor {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path) else { throw EngineError("\(path) is not a tensor") }
        return t
    }

    @Test func theIRNetIsShipped() {
        #expect(Self.cards().contains { $0.testDescription == "irnet" })
    }

    @Test(arguments: cards())
    func accuracyMatchesTheCard(_ card: Card) throws {
        let f = card.fields
        let modelFile = try #require(f["model"]), samplesFile = try #require(f["samples"]), labelsFile = try #require(f["labels"])
        let claimed = try #require(f["accuracy"].flatMap(Double.init))
        let model = try PackedModel(path: "\(card.directory)/\(modelFile)")
        #expect(model.sha256 == f["sha256"], "the card describes another file than \(modelFile)")
        let labels = try Self.npy("\(card.directory)/\(labelsFile)")
        guard case .float32(let labelValues) = labels.storage else { Issue.record("labels are not integers"); return }
        let engine = try Engine(model: model, threads: 2)
        let result = try DatasetEvaluation.run(engine: engine, samples: try Self.npy("\(card.directory)/\(samplesFile)"), labels: labelValues)
        #expect(abs(result.accuracy * 100 - claimed) <= 0.5, "\(modelFile): \(result.accuracy * 100) % measured, the card says \(claimed) %")
    }
}
