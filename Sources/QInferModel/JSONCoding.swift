#if canImport(FoundationEssentials)
import FoundationEssentials // JSON without the whole of Foundation: the daemon stays small
#else
import Foundation
#endif

/// JSON for the metadata and graph sections: sorted keys so a packed file is byte-for-byte reproducible.
enum JSONCoding {
    static func encode<T: Encodable>(_ value: T) throws(ModelError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return Array(try encoder.encode(value)) } catch { throw ModelError("cannot encode JSON: \(error)") }
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer, section: String) throws(ModelError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ModelError("\(section) section: \(describe(error))")
        } catch {
            throw ModelError("\(section) section: \(error)")
        }
    }

    /// "at nodes[3].attributes.stride: expected Int" rather than Foundation's debug dump.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.isEmpty ? "top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let ctx): return "at \(path(ctx.codingPath)): expected \(type) (\(ctx.debugDescription))"
        case .valueNotFound(let type, let ctx): return "at \(path(ctx.codingPath)): missing \(type)"
        case .keyNotFound(let key, let ctx): return "at \(path(ctx.codingPath)): missing field '\(key.stringValue)'"
        case .dataCorrupted(let ctx): return "at \(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
