import QInferKernels

/// Collects constant tensors and a graph and lays them out as a .qpack v1 file.
public struct QPackBuilder {
    public var metadata: ModelMetadata
    private(set) var tensors: [TensorEntry] = []
    private var data: [UInt8] = []

    public init(metadata: ModelMetadata) { self.metadata = metadata }

    public mutating func addF32(_ name: String, shape: [Int], _ values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "tensor \(name): \(values.count) values for shape \(shape)")
        values.withUnsafeBytes { append(name, .f32, shape, $0) }
    }

    public mutating func addI32(_ name: String, shape: [Int], _ values: [Int32]) {
        precondition(values.count == shape.reduce(1, *), "tensor \(name): \(values.count) values for shape \(shape)")
        values.withUnsafeBytes { append(name, .i32, shape, $0) }
    }

    /// Adds ±1 weights of shape [channels, d1, …, dk, c] given as floats (sign: x < 0 is −1), packed and
    /// reordered into the kernels' panel layout.
    public mutating func addBits(_ name: String, shape: [Int], signsOf values: [Float]) {
        precondition(shape.count >= 2 && values.count == shape.reduce(1, *), "tensor \(name): bad shape \(shape)")
        let c = shape[shape.count - 1]
        let rows = values.count / c, cw = (c + 63) / 64
        var packed = [UInt64](repeating: 0, count: rows * cw)
        values.withUnsafeBufferPointer { src in
            packed.withUnsafeMutableBufferPointer { qk_bitpack_f32(QK_ISA_SCALAR, src.baseAddress!, rows, c, c, $0.baseAddress!, cw) }
        }
        addBits(name, shape: shape, packedRows: packed)
    }

    /// Adds ±1 weights already packed in the kernels' bit convention, channel-major: for each channel, its rows of
    /// ⌈c/64⌉ words (tail bits zero). They are reordered into the panel layout.
    public mutating func addBits(_ name: String, shape: [Int], packedRows: [UInt64]) {
        let channels = shape[0], kw = TensorEntry.wordsPerChannel(shape: shape)
        precondition(shape.count >= 2 && packedRows.count == channels * kw, "tensor \(name): \(packedRows.count) words for shape \(shape)")
        var panels = [UInt64](repeating: 0, count: qk_panel_words(channels, kw))
        qk_pack_panels(packedRows, channels, kw, &panels)
        panels.withUnsafeBytes { append(name, .bits, shape, $0) }
    }

    private mutating func append(_ name: String, _ type: TensorType, _ shape: [Int], _ bytes: UnsafeRawBufferPointer) {
        precondition(!tensors.contains { $0.name == name }, "tensor \(name) added twice")
        let offset = QPackLayout.alignUp(data.count)
        data.append(contentsOf: repeatElement(0, count: offset - data.count))
        data.append(contentsOf: bytes)
        tensors.append(TensorEntry(name: name, type: type, shape: shape, offset: offset, length: bytes.count))
    }

    /// The whole file. The graph is checked first, so a builder never produces a file the reader refuses.
    public func build(input: String, output: String, nodes: [Node]) throws(ModelError) -> [UInt8] {
        let graph = Graph(tensors: tensors, input: input, output: output, nodes: nodes)
        let values = try GraphChecker(graph: graph).inferShapes(inputShape: metadata.input.shape)
        try PackedModel.checkMetadata(metadata, graph: graph, values: values)
        let metaJSON = try JSONCoding.encode(metadata)
        let graphJSON = try JSONCoding.encode(graph)

        let tableOffset = QPackLayout.headerSize
        let sections: [(SectionKind, Int)] = [(.metadata, metaJSON.count), (.graph, graphJSON.count),
                                              (.tensorData, data.count), (.signature, QPackLayout.signatureSize)]
        var offsets: [Int] = []
        var cursor = QPackLayout.alignUp(tableOffset + sections.count * QPackLayout.sectionEntrySize)
        for (_, length) in sections {
            offsets.append(cursor)
            cursor = QPackLayout.alignUp(cursor + length)
        }
        let fileSize = offsets[3] + QPackLayout.signatureSize

        var w = ByteWriter()
        w.bytes.append(contentsOf: QPackLayout.magic)
        w.u16(QPackLayout.versionMajor)
        w.u16(QPackLayout.versionMinor)
        w.u32(UInt32(QPackLayout.headerSize))
        w.u64(UInt64(fileSize))
        w.u32(UInt32(sections.count))
        w.u32(0) // flags
        w.u64(UInt64(tableOffset))
        w.u64(0) // reserved
        w.zeros(QPackLayout.checksumSize) // filled below
        w.padTo(QPackLayout.headerSize)
        for (i, (kind, length)) in sections.enumerated() {
            w.u32(kind.rawValue)
            w.u32(0)
            w.u64(UInt64(offsets[i]))
            w.u64(UInt64(length))
            w.u64(0)
        }
        for (i, payload) in [metaJSON, graphJSON, data].enumerated() {
            w.padTo(offsets[i])
            w.bytes.append(contentsOf: payload)
        }
        w.padTo(fileSize) // zero signature = unsigned
        var file = w.bytes
        let digest = file.withUnsafeBytes { Checksum.digest(of: $0, signature: offsets[3]..<fileSize) }
        file.replaceSubrange(QPackLayout.checksumOffset..<(QPackLayout.checksumOffset + QPackLayout.checksumSize), with: digest)
        return file
    }
}
