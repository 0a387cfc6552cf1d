import QInferKernels

/// The ISAs this machine can run, besides the scalar reference they are compared with.
enum KernelISAs {
    static var optimized: [qk_isa] {
        (1..<Int(QK_ISA_COUNT.rawValue)).map { qk_isa(rawValue: UInt32($0)) }.filter { qk_isa_supported($0) != 0 }
    }

    static func name(_ isa: qk_isa) -> String { String(cString: qk_isa_name(isa)) }
}

func wordsFor(bits: Int) -> Int { (bits + 63) / 64 }
func roundToPanels(_ n: Int) -> Int { (n + Int(QK_NR) - 1) / Int(QK_NR) * Int(QK_NR) }

/// Bit `index` of a packed row: 1 means −1.
func bit(_ row: UnsafePointer<UInt64>, _ index: Int) -> Bool { (row[index / 64] >> UInt64(index % 64)) & 1 == 1 }
