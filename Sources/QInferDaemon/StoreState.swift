import Foundation
import QInferModel

/// What survives a restart besides the files: the active and previous version of each model (state.json, written
/// atomically).
struct StoreState: Codable, Equatable {
    struct Entry: Codable, Equatable {
        var active: String?
        var previous: String?
    }
    var models: [String: Entry] = [:]

    static func load(from path: String) -> (StoreState, String?) {
        guard FileManager.default.fileExists(atPath: path) else { return (StoreState(), nil) }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return (try JSONDecoder().decode(StoreState.self, from: data), nil)
        } catch {
            return (StoreState(), "\(path) is unreadable (\(error)); starting with no active versions")
        }
    }

    func save(to path: String) throws(ModelError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw ModelError("cannot encode the store state: \(error)") }
        try AtomicFile.install([UInt8](data), at: path)
    }
}
