/// Fixed numbers of the .qpack v1 layout (docs/FORMAT.md is the specification).
public enum QPackLayout {
    /// "\x89QPK\r\n\x1a\n": the high byte and the CR LF / SUB bytes catch 7-bit and text-mode transfers, like PNG's.
    public static let magic: [UInt8] = [0x89, 0x51, 0x50, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
    public static let versionMajor: UInt16 = 1
    public static let versionMinor: UInt16 = 1
    public static let headerSize = 128
    public static let sectionEntrySize = 32
    /// Every section and every tensor starts on this boundary so tensors are used in place from the mapping
    /// (64 bytes: one cache line and one AVX-512 vector).
    public static let alignment = 64
    public static let checksumOffset = 48
    public static let checksumSize = 32
    public static let signatureSize = 128
    /// Upper bound for the JSON sections: a graph or metadata bigger than this is not a model we wrote.
    public static let maxJSONSectionSize = 16 << 20
    public static let maxSections = 16

    static func alignUp(_ value: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}

/// What a section holds.
public enum SectionKind: UInt32, Sendable, CaseIterable {
    case metadata = 1   // UTF-8 JSON: ModelMetadata
    case graph = 2      // UTF-8 JSON: Graph (tensor table and nodes)
    case tensorData = 3 // raw tensor bytes, each tensor 64-byte aligned
    case signature = 4  // fixed 128 bytes, excluded from the checksum; all zero = unsigned

    var name: String {
        switch self {
        case .metadata: "metadata"
        case .graph: "graph"
        case .tensorData: "tensor data"
        case .signature: "signature"
        }
    }
}
