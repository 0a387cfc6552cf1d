import Foundation

/// A whole file as bytes; a failure names the file (every command that reads an input, a model or a test set).
func readFileBytes(_ path: String) throws -> [UInt8] {
    do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
        throw CLIError("cannot read \(path): \(error.localizedDescription)")
    }
}
