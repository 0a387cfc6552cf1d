import CLibFuzzerDriver
import QInferModel
import QPackReseal

/// SwiftPM links a Swift executable with `main` redirected to `<module>_main`, so that test targets can import
/// executables. Under -parse-as-library nothing would define that symbol, and the redirect would hide libFuzzer's
/// own main anyway; this is the entry point instead, doing exactly what libFuzzer's main does.
@_cdecl("QPackFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}

/// One libFuzzer input: the reader must either accept it or throw ModelError. A trap, a sanitizer report, a hang
/// or runaway memory is a finding, and so is an accepted model that breaks a promise the engine relies on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Exactly `size` bytes, so AddressSanitizer sees any read past the end; 64-byte aligned like a mapping, so
    // the alignment promise for tensors can be checked against the file's own offsets.
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: QPackLayout.alignment)
    defer { storage.deallocate() }
    let file = UnsafeMutableRawBufferPointer(rebasing: storage[0..<size])
    if size > 0 { file.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }

    load(UnsafeRawBufferPointer(file))
    // Nearly every mutation breaks the SHA-256, which the reader checks before any JSON: a second pass with the
    // checksum made to match lets the fuzzer reach metadata, graph and tensor validation.
    if resealChecksum(file) { load(UnsafeRawBufferPointer(file)) }
    return 0
}

private func load(_ file: UnsafeRawBufferPointer) {
    let model: PackedModel
    do {
        model = try PackedModel(bytes: file, owner: nil)
    } catch {
        return // typed throws: this is a ModelError, the expected outcome for almost every input
    }
    checkAccepted(model, file)
}

/// What the engine takes for granted once a model has loaded (docs/FORMAT.md); checked with preconditions so a
/// broken promise is reported like a crash.
private func checkAccepted(_ model: PackedModel, _ file: UnsafeRawBufferPointer) {
    let base = UInt(bitPattern: file.baseAddress)
    precondition(model.fileSize == file.count, "fileSize \(model.fileSize) for a \(file.count)-byte file")
    precondition(model.sha256.count == 64, "sha256 '\(model.sha256)' is not 64 hex digits")
    precondition(model.signature.count == QPackLayout.signatureSize
                 && UInt(bitPattern: model.signature.baseAddress) - base == UInt(file.count - QPackLayout.signatureSize),
                 "signature is not the last \(QPackLayout.signatureSize) bytes")

    for entry in model.graph.tensors {
        guard let (found, bytes) = model.tensor(entry.name) else { preconditionFailure("tensor '\(entry.name)' not found") }
        precondition(found == entry, "tensor '\(entry.name)' resolves to another entry")
        precondition(bytes.count == entry.length, "tensor '\(entry.name)': \(bytes.count) bytes, entry says \(entry.length)")
        precondition(bytes.count == TensorEntry.byteCount(type: entry.type, shape: entry.shape),
                     "tensor '\(entry.name)': \(bytes.count) bytes for \(entry.type) \(entry.shape)")
        if bytes.count > 0 {
            let start = UInt(bitPattern: bytes.baseAddress)
            precondition(start >= base && start - base <= UInt(file.count - bytes.count),
                         "tensor '\(entry.name)' lies outside the file")
            precondition((start - base) % UInt(QPackLayout.alignment) == 0, "tensor '\(entry.name)' is misaligned")
        }
    }

    let graph = model.graph
    precondition(model.values[graph.input] == ValueInfo(.f32, model.metadata.input.shape), "input value mismatch")
    for node in graph.nodes { precondition(model.values[node.output] != nil, "node '\(node.name)' has no value info") }
    guard let out = model.values[graph.output] else { preconditionFailure("graph output has no value info") }
    precondition(out.type == .f32 && out.shape == [model.metadata.labels.count], "output \(out) vs labels")
}
