import Testing
@testable import QInferInputFormats

/// Hand-written PLY files: a header with an element before the vertices (to check skipping), vertices
/// carrying colour and normals around x y z, and faces with list properties after them.
enum PLYFixtures {
    static let points: [Float] = [0, 0, 0, 1, 0, 0, 0, 1.5, 0, -2, 3.25, 4]

    static let ascii = """
        ply
        format ascii 1.0
        comment made by hand
        obj_info nothing
        element camera 1
        property float view_px
        property list uchar float matrix
        element vertex 4
        property float nx
        property float x
        property double y
        property float z
        property uchar red
        property list uchar int tags
        element face 2
        property list uchar int vertex_indices
        end_header
        0.5 2 1 2
        0 0 0 0 255 0
        1 1 0 0 0 2 7 8
        0 0 1.5 0 128 1 9
        2 -2 3.25 4 3 0

        3 0 1 2
        4 0 1 2 3
        """

    /// The same cloud in binary with the given byte order; x y z as float, double and short-sized types.
    static func binary(bigEndian: Bool) -> [UInt8] {
        var bytes = QInferInputFormatsTests.ascii("""
            ply
            format \(bigEndian ? "binary_big_endian" : "binary_little_endian") 1.0
            element camera 1
            property list uchar float matrix
            property int id
            element vertex 4
            property float x
            property list ushort uchar tags
            property double y
            property float z
            property uchar red
            element face 2
            property list uchar int vertex_indices
            end_header

            """)
        func append(_ value: some FixedWidthInteger) { bigEndian ? bytes.appendBE(value) : bytes.appendLE(value) }
        func append(float value: Float) { bigEndian ? bytes.appendBE(value) : bytes.appendLE(value) }
        func append(double value: Double) { bigEndian ? bytes.appendBE(value) : bytes.appendLE(value) }
        bytes.append(2)  // camera: 2-entry matrix list, then id
        append(float: 1); append(float: 2); append(Int32(-7))
        for point in 0..<4 {
            append(float: points[point * 3])
            append(UInt16(point))  // tags: `point` entries
            bytes += Array(repeating: 0xAB, count: point)
            append(double: Double(points[point * 3 + 1]))
            append(float: points[point * 3 + 2])
            bytes.append(UInt8(point * 60))
        }
        for face in [[0, 1, 2], [0, 1, 2, 3]] {
            bytes.append(UInt8(face.count))
            for index in face { append(Int32(index)) }
        }
        return bytes
    }

    /// Vertices with integer coordinates of the given PLY type name, binary little-endian.
    static func integerTyped(_ type: String, _ values: [Int16]) -> [UInt8] {
        var bytes = QInferInputFormatsTests.ascii("ply\nformat binary_little_endian 1.0\nelement vertex \(values.count / 3)\nproperty \(type) x\nproperty \(type) y\nproperty \(type) z\nend_header\n")
        for value in values { bytes.appendLE(value) }
        return bytes
    }
}

@Suite("ply")
struct PLYTests {
    @Test func ascii() {
        #expect(pointCloud(QInferInputFormatsTests.ascii(PLYFixtures.ascii), name: "a.ply")
                == PointCloud(points: PLYFixtures.points, count: 4))
    }

    @Test func binaryBothByteOrders() {
        for bigEndian in [false, true] {
            #expect(pointCloud(PLYFixtures.binary(bigEndian: bigEndian), name: "b.ply")
                    == PointCloud(points: PLYFixtures.points, count: 4), "bigEndian \(bigEndian)")
        }
    }

    @Test func integerCoordinatesAndCRLFHeader() {
        #expect(pointCloud(PLYFixtures.integerTyped("short", [1, -2, 3, 400, 5, -600]), .ply)
                == PointCloud(points: [1, -2, 3, 400, 5, -600], count: 2))
        let crlf = "ply\r\nformat ascii 1.0\r\nelement vertex 1\r\nproperty uchar x\r\nproperty int y\r\nproperty float z\r\nend_header\r\n255 -9 1e2\r\n"
        #expect(pointCloud(QInferInputFormatsTests.ascii(crlf), .ply) == PointCloud(points: [255, -9, 100], count: 1))
    }

    @Test func badHeaders() {
        func ply(_ header: String, _ body: String = "1 2 3\n") -> [UInt8] { QInferInputFormatsTests.ascii(header + body) }
        let xyz = "property float x\nproperty float y\nproperty float z\n"
        expectFailure(QInferInputFormatsTests.ascii("PLY\n"), .ply, name: "m.ply", kind: .badMagic, at: .line(1))
        expectFailure([], .ply, kind: .badMagic)
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\n" + xyz, ""), .ply, kind: .truncated)
        expectFailure(ply("ply\nformat binary_middle_endian 1.0\nelement vertex 1\n" + xyz + "end_header\n"), .ply,
                      kind: .unsupported, at: .line(2), field: "format")
        expectFailure(ply("ply\nformat ascii 2.0\nend_header\n"), .ply, kind: .unsupported, at: .line(2))
        expectFailure(ply("ply\nelement vertex 1\n" + xyz + "end_header\n"), .ply, kind: .malformedHeader, at: .line(2))
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex -1\n" + xyz + "end_header\n"), .ply, kind: .badNumber, at: .line(3))
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex many\n" + xyz + "end_header\n"), .ply, kind: .badNumber, at: .line(3))
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nend_header\n", "1 2\n"), .ply,
                      kind: .missingField, at: .line(3), field: "z")
        expectFailure(ply("ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n", "0\n"), .ply,
                      kind: .missingField, field: "vertex")
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\n" + xyz + "property quad w\nend_header\n"), .ply,
                      kind: .malformedHeader, at: .line(7), field: "w")
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\n" + xyz + "property list float int l\nend_header\n"), .ply,
                      kind: .malformedHeader, at: .line(7), field: "l")
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float x\nend_header\n"), .ply,
                      kind: .malformedHeader, at: .line(5), field: "x")
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\nproperty list uchar float x\nproperty float y\nproperty float z\nend_header\n"),
                      .ply, kind: .malformedHeader, field: "x")
        expectFailure(ply("ply\nformat ascii 1.0\nproperty float x\n"), .ply, kind: .malformedHeader, at: .line(3))
        expectFailure(ply("ply\nformat ascii 1.0\nelement vertex 1\n" + xyz + "colour red\nend_header\n"), .ply,
                      kind: .malformedHeader, at: .line(7))
        // An element with no properties takes no bytes, so any count would "fit": refused.
        expectFailure(ply("ply\nformat binary_little_endian 1.0\nelement ghost 1000000000000\nelement vertex 1\n" + xyz + "end_header\n"),
                      .ply, kind: .malformedHeader, at: .line(3), field: "ghost")
    }

    @Test func badBodies() {
        let header = "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int v\nend_header\n"
        func body(_ text: String) -> [UInt8] { QInferInputFormatsTests.ascii(header + text) }
        expectFailure(body("1 2 3\n"), .ply, name: "t.ply", kind: .truncated, field: "vertex")
        expectFailure(body("1 2 3\n4 5 6\n"), .ply, kind: .truncated, field: "face")
        expectFailure(body("1 2 3\n4 5 6 7\n3 0 1 1\n"), .ply, kind: .wrongValueCount, at: .line(11))
        expectFailure(body("1 2 3\n4 5\n3 0 1 1\n"), .ply, kind: .wrongValueCount, at: .line(11))
        expectFailure(body("1 2 3\n4 5 6\n3 0 1\n"), .ply, kind: .wrongValueCount, at: .line(12))
        expectFailure(body("1 2 3\n4 5 6\n-1\n"), .ply, kind: .badNumber, at: .line(12), field: "v")
        expectFailure(body("1 2 3\n4 5 6\n300 1\n"), .ply, kind: .badNumber, at: .line(12), field: "v")
        expectFailure(body("1 2 3\n4 5 6\n0\n0\n"), .ply, kind: .trailingData, at: .line(13))
        expectFailure(body("1 y 3\n4 5 6\n0\n"), .ply, kind: .badNumber, at: .line(10), field: "y")
        expectFailure(body("1 2 3\n4 5 NaN\n0\n"), .ply, kind: .nonFinite, at: .line(11), field: "z")
        let noPoints = "ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
        expectFailure(QInferInputFormatsTests.ascii(noPoints), .ply, kind: .noPoints)
        expectFailure(QInferInputFormatsTests.ascii("ply\nformat ascii 1.0\nelement vertex 1\nproperty uchar x\nproperty float y\nproperty float z\nend_header\n256 0 0\n"),
                      .ply, kind: .badNumber, at: .line(8), field: "x")

        let binary = PLYFixtures.binary(bigEndian: false)
        let bodyStart = binary.count - (13 + 4 * 19 + 6 + 13 + 17)  // camera, vertices (+ tag bytes), faces
        #expect(Array(binary[(bodyStart - 11)..<bodyStart]) == QInferInputFormatsTests.ascii("end_header\n"))
        expectFailure(Array(binary.dropLast()), .ply, kind: .truncated, at: .byteOffset(binary.count - 1), field: "vertex_indices")
        expectFailure(binary + [0], .ply, kind: .trailingData, at: .byteOffset(binary.count))
        expectFailure(Array(binary.prefix(bodyStart + 20)), .ply, kind: .truncated, field: "vertex")
        // A vertex count far beyond the data is refused before any per-vertex work.
        let lying = PLYFixtures.integerTyped("short", [1, 2, 3]).replacing(
            QInferInputFormatsTests.ascii("element vertex 1"), with: QInferInputFormatsTests.ascii("element vertex 4611686018427387904"))
        expectFailure(lying, .ply, kind: .truncated, field: "vertex")
        // A list length that runs past the end of the file.
        var longList = binary
        longList[bodyStart] = 0xFF
        expectFailure(longList, .ply, kind: .truncated, field: "matrix")
        // A float32 NaN in binary is reported by point index.
        var nan = PLYFixtures.integerTyped("float", [0, 0, 0, 0, 0, 0])
        nan.removeLast(12)
        for value: Float in [0, 0, 0, 1, .nan, 2] { nan.appendLE(value) }
        expectFailure(nan, .ply, kind: .nonFinite, at: .point(1), field: "y")
        // A finite double beyond float32 range.
        let wide = QInferInputFormatsTests.ascii("ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty double x\nproperty double y\nproperty double z\nend_header\n")
        var wideBytes = wide
        for value in [1.0, 1e300, 2.0] { wideBytes.appendLE(value) }
        expectFailure(wideBytes, .ply, kind: .nonFinite, at: .point(0), field: "y")
    }
}
