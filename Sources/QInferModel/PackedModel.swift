/// A validated .qpack model over a read-only mapping (or any byte range that outlives it). Nothing is copied:
/// tensors are pointers into the mapping, 64-byte aligned.
public final class PackedModel: @unchecked Sendable {
    public let metadata: ModelMetadata
    public let graph: Graph
    /// Type and shape of every value in the graph.
    public let values: [String: ValueInfo]
    /// SHA-256 over the file (the checksum field), hex.
    public let sha256: String
    /// The checksum's 32 bytes: what a signature signs (SignatureSlot.message).
    public let checksum: [UInt8]
    /// The signature section's 128 bytes (all zero when unsigned).
    public let signature: UnsafeRawBufferPointer
    /// Who signed, parsed from the signature section; nil when unsigned. Not verified: that needs the signer's key.
    public let signer: SignatureSlot?
    public let fileSize: Int
    private let tensorData: UnsafeRawBufferPointer
    private let tensorIndex: [String: TensorEntry]
    private let owner: AnyObject?

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws(ModelError) {
        let file = try MappedFile(path: path)
        do {
            try self.init(bytes: file.bytes, owner: file)
        } catch {
            throw error.prefixed(path)
        }
    }

    /// Validates `bytes`, which must stay valid while `owner` is alive (the mapping, or nil for static memory).
    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws(ModelError) {
        let parsed = try Self.parse(bytes)
        metadata = parsed.metadata
        graph = parsed.graph
        values = parsed.values
        sha256 = parsed.digest.map { String($0, radix: 16).leftPadded(2) }.joined()
        checksum = parsed.digest
        signature = parsed.signature
        signer = parsed.signer
        tensorData = parsed.tensorData
        tensorIndex = Dictionary(uniqueKeysWithValues: parsed.graph.tensors.map { ($0.name, $0) })
        fileSize = bytes.count
        self.owner = owner
    }

    /// The bytes of a constant tensor, in place.
    public func tensor(_ name: String) -> (entry: TensorEntry, bytes: UnsafeRawBufferPointer)? {
        guard let entry = tensorIndex[name] else { return nil }
        return (entry, UnsafeRawBufferPointer(rebasing: tensorData[entry.offset..<(entry.offset + entry.length)]))
    }

    // MARK: - validation

    private struct Parsed {
        var metadata: ModelMetadata, graph: Graph, values: [String: ValueInfo]
        var digest: [UInt8], signature: UnsafeRawBufferPointer, signer: SignatureSlot?, tensorData: UnsafeRawBufferPointer
    }

    private struct Section { var kind: SectionKind; var range: Range<Int>; var entryOffset: Int }

    private static func parse(_ file: UnsafeRawBufferPointer) throws(ModelError) -> Parsed {
        let r = ByteReader(bytes: file)
        guard file.count >= QPackLayout.headerSize else {
            throw ModelError("file is \(file.count) bytes, shorter than the \(QPackLayout.headerSize)-byte header (truncated?)")
        }
        guard Array(file[0..<8]) == QPackLayout.magic else { throw .at(0, "not a .qpack file (wrong magic)") }
        let major = try r.u16(8), minor = try r.u16(10)
        guard major == QPackLayout.versionMajor else {
            throw .at(8, "format version \(major).\(minor) is not supported (this reader reads \(QPackLayout.versionMajor).x)")
        }
        let headerSize = Int(try r.u32(12))
        guard headerSize == QPackLayout.headerSize else { throw .at(12, "header size \(headerSize), expected \(QPackLayout.headerSize)") }
        let declaredSize = try r.length(16, "file size")
        guard declaredSize == file.count else {
            throw .at(16, "header says the file is \(declaredSize) bytes, it is \(file.count) (truncated or padded)")
        }
        let count = Int(try r.u32(24))
        guard (1...QPackLayout.maxSections).contains(count) else { throw .at(24, "section count \(count) is not in 1…\(QPackLayout.maxSections)") }
        let flags = try r.u32(28)
        guard flags == 0 else { throw .at(28, "unknown header flags 0x\(String(flags, radix: 16))") }
        let tableOffset = try r.length(32, "section table offset")
        let tableEnd = tableOffset + count * QPackLayout.sectionEntrySize
        guard tableOffset >= QPackLayout.headerSize, tableOffset % 8 == 0, tableEnd <= file.count else {
            throw .at(32, "section table at \(tableOffset) (\(count) entries) is not 8-aligned between the header and the end of the file")
        }

        var sections: [Section] = []
        for i in 0..<count {
            let at = tableOffset + i * QPackLayout.sectionEntrySize
            let rawKind = try r.u32(at)
            guard let kind = SectionKind(rawValue: rawKind) else { throw .at(at, "section \(i) has unknown kind \(rawKind)") }
            guard try r.u32(at + 4) == 0 else { throw .at(at + 4, "section \(i) (\(kind.name)) has unknown flags") }
            let offset = try r.length(at + 8, "section \(i) offset"), length = try r.length(at + 16, "section \(i) length")
            guard offset % QPackLayout.alignment == 0 else {
                throw .at(at + 8, "\(kind.name) section offset \(offset) is not \(QPackLayout.alignment)-byte aligned")
            }
            guard offset >= tableEnd, offset + length <= file.count else {
                throw .at(at + 8, "\(kind.name) section \(offset)..<\(offset + length) lies outside \(tableEnd)..<\(file.count)")
            }
            if let other = sections.first(where: { $0.kind == kind }) {
                throw .at(at, "\(kind.name) section appears twice (also entry at byte \(other.entryOffset))")
            }
            if let other = sections.first(where: { $0.range.overlaps(offset..<(offset + length)) }) {
                throw .at(at + 8, "\(kind.name) section \(offset)..<\(offset + length) overlaps the \(other.kind.name) section \(other.range)")
            }
            sections.append(Section(kind: kind, range: offset..<(offset + length), entryOffset: at))
        }
        func section(_ kind: SectionKind) throws(ModelError) -> Section {
            guard let s = sections.first(where: { $0.kind == kind }) else { throw ModelError("the \(kind.name) section is missing") }
            return s
        }
        let meta = try section(.metadata), graphSection = try section(.graph), data = try section(.tensorData)
        let sig = try section(.signature)
        guard sig.range.count == QPackLayout.signatureSize, sig.range.upperBound == file.count else {
            throw .at(sig.entryOffset, "signature section must be the last \(QPackLayout.signatureSize) bytes of the file")
        }

        let stored = Array(file[QPackLayout.checksumOffset..<(QPackLayout.checksumOffset + QPackLayout.checksumSize)])
        let digest = Checksum.digest(of: file, signature: sig.range)
        guard digest == stored else { throw .at(QPackLayout.checksumOffset, "SHA-256 checksum does not match the contents (corrupted file)") }
        let signatureBytes = UnsafeRawBufferPointer(rebasing: file[sig.range])
        let signer = try SignatureSlot.parse(signatureBytes, at: sig.range.lowerBound)

        for s in [meta, graphSection] where s.range.count > QPackLayout.maxJSONSectionSize {
            throw .at(s.entryOffset, "\(s.kind.name) section is \(s.range.count) bytes (limit \(QPackLayout.maxJSONSectionSize))")
        }
        let metadata = try JSONCoding.decode(ModelMetadata.self, from: UnsafeRawBufferPointer(rebasing: file[meta.range]), section: "metadata")
        let graph = try JSONCoding.decode(Graph.self, from: UnsafeRawBufferPointer(rebasing: file[graphSection.range]), section: "graph")
        let tensorData = UnsafeRawBufferPointer(rebasing: file[data.range])
        try checkTensors(graph.tensors, data: tensorData, dataOffset: data.range.lowerBound)
        let values = try GraphChecker(graph: graph).inferShapes(inputShape: metadata.input.shape)
        try checkMetadata(metadata, graph: graph, values: values)
        return Parsed(metadata: metadata, graph: graph, values: values, digest: digest,
                      signature: signatureBytes, signer: signer, tensorData: tensorData)
    }

    private static func checkTensors(_ entries: [TensorEntry], data: UnsafeRawBufferPointer, dataOffset: Int) throws(ModelError) {
        var ranges: [(Range<Int>, String)] = []
        for t in entries {
            // Offsets are untrusted: name the position without adding them to anything.
            let at = "tensor '\(t.name)' (offset \(t.offset) in the tensor data at file byte \(dataOffset))"
            guard t.offset >= 0, t.length >= 0, t.offset % QPackLayout.alignment == 0 else {
                throw ModelError("\(at): offset \(t.offset) is not \(QPackLayout.alignment)-byte aligned")
            }
            guard let expected = TensorEntry.byteCount(type: t.type, shape: t.shape) else {
                throw ModelError("\(at): shape \(t.shape) is invalid for \(t.type.rawValue)")
            }
            guard t.length == expected else { throw ModelError("\(at): length \(t.length), shape \(t.shape) needs \(expected)") }
            guard t.offset <= data.count - t.length else {
                throw ModelError("\(at): \(t.length) bytes at offset \(t.offset) run past the tensor data (\(data.count) bytes)")
            }
            let range = t.offset..<(t.offset + t.length)
            if let other = ranges.first(where: { $0.0.overlaps(range) }) {
                throw ModelError("\(at): overlaps tensor '\(other.1)'")
            }
            ranges.append((range, t.name))
            if t.type == .bits { try checkBitsTail(t, UnsafeRawBufferPointer(rebasing: data[range])) }
        }
    }

    /// The kernels rely on tail bits and padding channels being zero (+1 against +1 adds nothing).
    private static func checkBitsTail(_ t: TensorEntry, _ bytes: UnsafeRawBufferPointer) throws(ModelError) {
        let c = t.shape[t.shape.count - 1], cw = (c + 63) / 64, kw = TensorEntry.wordsPerChannel(shape: t.shape)
        let channels = t.shape[0], paddedChannels = (channels + 7) / 8 * 8
        let tailMask: UInt64 = c % 64 == 0 ? 0 : ~((UInt64(1) << UInt64(c % 64)) - 1)
        for ch in 0..<paddedChannels {
            for k in 0..<kw {
                let word = bytes.loadUnaligned(fromByteOffset: ((ch / 8 * kw + k) * 8 + ch % 8) * 8, as: UInt64.self)
                let isTail = k % cw == cw - 1
                if ch >= channels ? word != 0 : (isTail && word & tailMask != 0) {
                    throw ModelError("tensor '\(t.name)': channel \(ch) word \(k) has bits set past the \(c) real ones")
                }
            }
        }
    }

    static func checkMetadata(_ m: ModelMetadata, graph: Graph, values: [String: ValueInfo]) throws(ModelError) {
        guard m.input.name == graph.input else {
            throw ModelError("metadata input '\(m.input.name)' is not the graph input '\(graph.input)'")
        }
        if let problem = m.onnxInput?.problem(packedShape: m.input.shape) { throw ModelError("metadata: \(problem)") }
        let classes = values[graph.output]!.shape[0]
        guard m.labels.count == classes || (m.task == .tensor && m.labels.isEmpty) else {
            throw ModelError("metadata has \(m.labels.count) labels, the graph outputs \(classes) scores")
        }
        switch m.task {
        case .pointCloudClassification:
            guard let p = m.preprocessing.pointCloud, m.preprocessing.frame == nil else {
                throw ModelError("a pointcloud-classification model needs point_cloud preprocessing (and no frame)")
            }
            guard m.input.shape == [p.points, 3] else {
                throw ModelError("input shape \(m.input.shape) does not match point_cloud.points \(p.points) × 3")
            }
        case .tensor:
            guard m.preprocessing.frame == nil, m.preprocessing.pointCloud == nil else {
                throw ModelError("a tensor model takes its input as is; it has no preprocessing")
            }
        case .imageClassification:
            guard let f = m.preprocessing.frame, m.preprocessing.pointCloud == nil else {
                throw ModelError("an image-classification model needs frame preprocessing (and no point_cloud)")
            }
            guard m.input.shape == [f.height, f.width, f.channels] else {
                throw ModelError("input shape \(m.input.shape) does not match frame \(f.height)×\(f.width)×\(f.channels)")
            }
            guard f.mean.count == f.channels, f.std.count == f.channels, f.std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw ModelError("frame mean/std need \(f.channels) values each, std finite and > 0")
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
