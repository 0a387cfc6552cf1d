// ISA names as the kernels spell them, and the checks that turn a user's --isa list into variants this machine runs.
import ArgumentParser
import Foundation
import QInferKernels

struct KernelISA: Hashable {
    let raw: qk_isa

    var name: String { String(cString: qk_isa_name(raw)) }
    var isSupported: Bool { qk_isa_supported(raw) != 0 }

    /// Every variant the kernel library knows, in its enum order (scalar first).
    static var all: [KernelISA] { (0..<QK_ISA_COUNT.rawValue).map { KernelISA(raw: qk_isa(rawValue: $0)) } }
    static var supported: [KernelISA] { all.filter(\.isSupported) }

    /// An `--isa NAME` option of run/verify/eval: nil when not given (the kernels choose), else the named variant.
    static func option(_ name: String?) throws -> KernelISA? {
        guard let name else { return nil }
        var parsed = QK_ISA_SCALAR
        guard qk_isa_parse(name, &parsed) == 0 else { throw ValidationError("--isa \(name) is not an ISA (scalar, popcnt, avx2, avx512, neon)") }
        return KernelISA(raw: parsed)
    }

    static func == (a: KernelISA, b: KernelISA) -> Bool { a.raw.rawValue == b.raw.rawValue }
    func hash(into hasher: inout Hasher) { hasher.combine(raw.rawValue) }

    /// Parses repeated and comma-separated names; an unknown or unsupported name is an error that names it, since
    /// silently benchmarking something else would mislabel every number.
    static func parseList(_ values: [String]) throws -> [KernelISA] {
        var result: [KernelISA] = []
        for item in splitList(values) {
            guard !item.isEmpty else { throw KernelISAError.empty }
            var parsed = qk_isa(rawValue: 0)
            guard qk_isa_parse(item.lowercased(), &parsed) == 0 else { throw KernelISAError.unknown(item) }
            let isa = KernelISA(raw: parsed)
            guard isa.isSupported else { throw KernelISAError.unsupported(item) }
            if !result.contains(isa) { result.append(isa) }
        }
        return result
    }
}

enum KernelISAError: Error, CustomStringConvertible {
    case empty
    case unknown(String)
    case unsupported(String)

    var description: String {
        switch self {
        case .empty:
            return "--isa has an empty name"
        case .unknown(let name):
            return "unknown ISA '\(name)' (known: \(KernelISA.all.map(\.name).joined(separator: ", ")))"
        case .unsupported(let name):
            return "ISA '\(name)' is not supported by this CPU or build "
                + "(supported here: \(KernelISA.supported.map(\.name).joined(separator: ", ")))"
        }
    }
}

/// "a,b" "c" → ["a", "b", "c"], trimmed; empty items are kept so callers can reject them.
func splitList(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        .map { $0.trimmingCharacters(in: .whitespaces) }
}
