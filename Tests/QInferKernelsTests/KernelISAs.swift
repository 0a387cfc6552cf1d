import Glibc
import QInferKernels

/// The ISAs under test besides the scalar reference they are compared with: every one this machine runs, or
/// only the one QINFER_ISA names.
enum KernelISAs {
    static let override: qk_isa? = {
        guard let value = getenv("QINFER_ISA"), value.pointee != 0 else { return nil }
        var isa = QK_ISA_SCALAR
        var err = [CChar](repeating: 0, count: 200)
        precondition(qk_isa_select_from(value, &isa, &err, err.count) == 0, "QINFER_ISA is not usable here")
        return isa
    }()

    static let optimized: [qk_isa] = {
        if let only = override { return only == QK_ISA_SCALAR ? [] : [only] }
        return (1..<Int(QK_ISA_COUNT.rawValue)).map { qk_isa(rawValue: UInt32($0)) }.filter { qk_isa_supported($0) != 0 }
    }()

    static func name(_ isa: qk_isa) -> String { String(cString: qk_isa_name(isa)) }
}

func wordsFor(bits: Int) -> Int { (bits + 63) / 64 }
func roundToPanels(_ n: Int) -> Int { (n + Int(QK_NR) - 1) / Int(QK_NR) * Int(QK_NR) }

/// Bit `index` of a packed row: 1 means −1.
func bit(_ row: UnsafePointer<UInt64>, _ index: Int) -> Bool { (row[index / 64] >> UInt64(index % 64)) & 1 == 1 }
