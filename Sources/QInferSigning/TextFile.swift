import Foundation

/// Small text files (keys) read whole, with a size cap so a wrong path (a device, a model) is refused quickly.
enum TextFile {
    static func read(_ path: String, limit: Int) throws(SigningError) -> String {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
            throw SigningError("cannot read \(path): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw SigningError("cannot read \(path): \(error.localizedDescription)")
        }
        guard data.count <= limit else { throw SigningError("\(path) is larger than \(limit) bytes; not a key file") }
        guard let text = String(data: data, encoding: .utf8) else { throw SigningError("\(path) is not UTF-8 text") }
        return text
    }
}
