#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where a tensor's bytes live when data_location is EXTERNAL: a file next to the model and a byte range in it.
struct ExternalDataReference: Equatable {
    var location: String
    var offset: Int
    /// nil means "to the end of the file", as ONNX allows.
    var length: Int?

    /// Parses the external_data key/value list. Unknown keys are tolerated, as onnx's own loader does;
    /// "checksum" is among them because verifying it would pull a hash library into the runtime.
    init(entries: [Onnx_StringStringEntryProto], tensor: String) throws(ONNXError) {
        var seen: Set<String> = []
        var location: String? = nil
        var offset = 0
        var length: Int? = nil
        for entry in entries {
            guard seen.insert(entry.key).inserted else {
                throw .invalidExternalData(tensor: tensor, reason: "key '\(entry.key)' appears more than once")
            }
            switch entry.key {
            case "location": location = entry.value
            case "offset": offset = try Self.byteCount(entry, tensor: tensor)
            case "length": length = try Self.byteCount(entry, tensor: tensor)
            default: continue
            }
        }
        guard let location, !location.isEmpty else {
            throw .invalidExternalData(tensor: tensor, reason: "no 'location' key")
        }
        self.location = location
        self.offset = offset
        self.length = length
    }

    /// Digits only: Int() would also take a sign, and a negative or signed offset is no offset a writer produces.
    private static func byteCount(_ entry: Onnx_StringStringEntryProto, tensor: String) throws(ONNXError) -> Int {
        let value = entry.value
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let n = Int(value) else {
            throw .invalidExternalData(tensor: tensor, reason: "'\(entry.key)' is '\(value)', not a byte count")
        }
        return n
    }

    /// The file's real path, refused unless it lies inside `directory` after symlinks are resolved: a model from an
    /// untrusted source must not be able to make the loader read /etc/shadow or a sibling project's files.
    func resolvedPath(in directory: String, tensor: String) throws(ONNXError) -> String {
        guard !location.utf8.contains(0), !location.hasPrefix("/"),
              !location.split(separator: "/", omittingEmptySubsequences: true).contains("..") else {
            throw .externalPathEscapes(tensor: tensor, location: location)
        }
        guard let base = Self.realPath(directory) else {
            throw .externalFileUnreadable(tensor: tensor, path: directory, reason: "model directory: \(Self.errnoText())")
        }
        let joined = base + "/" + location
        guard let resolved = Self.realPath(joined) else {
            throw .externalFileUnreadable(tensor: tensor, path: joined, reason: Self.errnoText())
        }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard resolved.hasPrefix(prefix) else { throw .externalPathEscapes(tensor: tensor, location: location) }
        return resolved
    }

    /// Reads exactly `expectedBytes`, checking declared length and file size before reading anything.
    func read(in directory: String, tensor: String, expectedBytes: Int) throws(ONNXError) -> Data {
        if let length, length != expectedBytes {
            throw .sizeMismatch(tensor: tensor, field: "external data 'length' (bytes)", expected: expectedBytes, actual: length)
        }
        let path = try resolvedPath(in: directory, tensor: tensor)
        let fileSize: Int
        do { fileSize = try FileBytes.size(path: path) } catch {
            throw .externalFileUnreadable(tensor: tensor, path: path, reason: error.reason)
        }
        guard offset <= fileSize else {
            throw .externalRangePastEnd(tensor: tensor, path: path, offset: offset, length: length ?? 0, fileSize: fileSize)
        }
        let length = self.length ?? (fileSize - offset)
        guard length == expectedBytes else {
            throw .sizeMismatch(tensor: tensor, field: "external data to end of file (bytes)", expected: expectedBytes,
                                actual: length)
        }
        do {
            return try FileBytes.readRange(path: path, offset: offset, length: length)
        } catch {
            if let size = error.fileSize {
                throw .externalRangePastEnd(tensor: tensor, path: path, offset: offset, length: length, fileSize: size)
            }
            throw .externalFileUnreadable(tensor: tensor, path: path, reason: error.reason)
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
