import NIOCore
import QInferInputFormats

/// Splits a point-cloud source's byte stream into frames (docs/SOURCES.md): "QPC1", u32 point count, u32 fields per
/// point (3 = x y z; more are skipped, such as intensity), then count × fields float32, all little-endian. A header
/// that is wrong is an error that closes the connection: after it, nothing in the stream can be trusted to be framed.
struct PointCloudFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = PointCloud

    static let magic: [UInt8] = Array("QPC1".utf8)
    static let headerBytes = 12
    static let maxFields = 16

    /// The largest payload accepted (the daemon's max_body_bytes), checked before any of it is buffered.
    let maxFrameBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes >= Self.headerBytes else {
            // Refuse a wrong magic as soon as it is visible, not only once twelve bytes came.
            if let partial = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, 4)),
               !Self.magic.starts(with: partial) {
                throw PointCloudFrameError("the frame does not start with \"QPC1\" (got \(Self.hex(partial)))")
            }
            return .needMoreData
        }
        let start = buffer.readerIndex
        guard let magic = buffer.getBytes(at: start, length: 4), magic == Self.magic else {
            throw PointCloudFrameError("the frame does not start with \"QPC1\" (got \(Self.hex(buffer.getBytes(at: start, length: 4) ?? [])))")
        }
        guard let count = buffer.getInteger(at: start + 4, endianness: .little, as: UInt32.self),
              let fields = buffer.getInteger(at: start + 8, endianness: .little, as: UInt32.self) else { return .needMoreData }
        guard count > 0 else { throw PointCloudFrameError("the frame header gives 0 points") }
        guard (3...UInt32(Self.maxFields)).contains(fields) else {
            throw PointCloudFrameError("the frame header gives \(fields) fields per point; 3…\(Self.maxFields) (x, y, z first) are accepted")
        }
        let payload = Int(count) * Int(fields) * 4
        guard payload <= maxFrameBytes else {
            throw PointCloudFrameError("the frame header gives \(count) points × \(fields) fields = \(payload) bytes, over the "
                                       + "limit of \(maxFrameBytes) (max_body_bytes)")
        }
        guard buffer.readableBytes >= Self.headerBytes + payload else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Self.headerBytes)
        let n = Int(count), stride = Int(fields)
        var points = [Float](repeating: 0, count: n * 3)
        buffer.withUnsafeReadableBytes { raw in
            for i in 0..<n {
                for axis in 0..<3 {
                    let bits = raw.loadUnaligned(fromByteOffset: (i * stride + axis) * 4, as: UInt32.self)
                    points[3 * i + axis] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
        }
        buffer.moveReaderIndex(forwardBy: payload)
        context.fireChannelRead(wrapInboundOut(PointCloud(points: points, count: n)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw PointCloudFrameError("the connection ended inside a frame (\(buffer.readableBytes) byte(s) of it came)")
        }
        return .needMoreData
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ") }
}

struct PointCloudFrameError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
