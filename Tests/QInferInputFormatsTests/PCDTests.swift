import Foundation
import Testing
@testable import QInferInputFormats

enum PCDFixtures {
    static let points: [Float] = [1, 2, 3, -0.5, 0.25, 1e-3, 100, -200, 300]

    static let ascii = """
        # .PCD v0.7 - Point Cloud Data file format
        VERSION 0.7
        FIELDS x y z rgb normal
        SIZE 4 4 4 4 4
        TYPE F F F F F
        COUNT 1 1 1 1 3
        WIDTH 3
        HEIGHT 1
        VIEWPOINT 0 0 0 1 0 0 0
        POINTS 3
        DATA ascii
        1 2 3 4.2108e+06 0 0 1
        -0.5 0.25 1e-3 0 nan nan nan
        100 -200 300 1 0 1 0

        """

    /// Binary records: intensity (U2), x (F4), y (F8), rgb (U1 × 3), z (I4) — PCL pads nothing, neither do we.
    static func binary(points count: Int = 3, header: (String) -> String = { $0 }) -> [UInt8] {
        let text = """
            # .PCD v0.7
            VERSION .7
            FIELDS intensity x y rgb z
            SIZE 2 4 8 1 4
            TYPE U F F U I
            COUNT 1 1 1 3 1
            WIDTH \(count)
            HEIGHT 1
            POINTS \(count)
            DATA binary

            """
        var bytes = QInferInputFormatsTests.ascii(header(text))
        for point in 0..<count {
            bytes.appendLE(UInt16(point))
            bytes.appendLE(points[point * 3 % 9])
            bytes.appendLE(Double(points[(point * 3 + 1) % 9]))
            bytes += [1, 2, 3]
            bytes.appendLE(Int32(points[(point * 3 + 2) % 9].rounded()))
        }
        return bytes
    }
}

@Suite("pcd")
struct PCDTests {
    @Test func ascii() {
        #expect(pointCloud(QInferInputFormatsTests.ascii(PCDFixtures.ascii), name: "a.pcd")
                == PointCloud(points: PCDFixtures.points, count: 3))
    }

    @Test func binary() {
        // z is an integer field, so the fixture's 1e-3 reads back as 0.
        #expect(pointCloud(PCDFixtures.binary(), name: "b.pcd")
                == PointCloud(points: [1, 2, 3, -0.5, 0.25, 0, 100, -200, 300], count: 3))
    }

    @Test func optionalCountAndPointsAndOrganizedClouds() {
        let text = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 2\nHEIGHT 2\nDATA ascii\n1 1 1\n2 2 2\n3 3 3\n4 4 4\n"
        #expect(pointCloud(QInferInputFormatsTests.ascii(text), .pcd)?.count == 4)
    }

    @Test func badHeaders() {
        func header(_ edit: @escaping (String) -> String) -> [UInt8] { PCDFixtures.binary(header: edit) }
        func replacing(_ old: String, _ new: String) -> [UInt8] {
            header { $0.replacingOccurrences(of: old, with: new) }
        }
        expectFailure(QInferInputFormatsTests.ascii("hello\n"), .pcd, name: "h.pcd", kind: .badMagic, at: .line(1))
        expectFailure([], .pcd, kind: .badMagic)
        expectFailure(replacing("VERSION .7", "VERSION 0.6"), .pcd, kind: .unsupported, at: .line(2), field: "VERSION")
        expectFailure(replacing("VERSION .7\n", ""), .pcd, kind: .missingField, field: "VERSION")
        // Without DATA the binary body is read as one more header line; a text-only header just ends.
        expectFailure(replacing("DATA binary\n", ""), .pcd, kind: .malformedHeader, at: .line(10))
        expectFailure(QInferInputFormatsTests.ascii("VERSION 0.7\nFIELDS x y z\n"), .pcd, kind: .truncated, field: "DATA")
        expectFailure(replacing("DATA binary", "DATA binary_compressed"), .pcd, kind: .unsupported, at: .line(10), field: "DATA")
        expectFailure(replacing("DATA binary", "DATA zip"), .pcd, kind: .malformedHeader, at: .line(10), field: "DATA")
        expectFailure(replacing("SIZE 2 4 8 1 4", "SIZE 2 4 8 1"), .pcd, kind: .wrongValueCount, at: .line(4), field: "SIZE")
        expectFailure(replacing("COUNT 1 1 1 3 1", "COUNT 1 1 1 3 1 1"), .pcd, kind: .wrongValueCount, at: .line(6), field: "COUNT")
        expectFailure(replacing("TYPE U F F U I", "TYPE U F X U I"), .pcd, kind: .malformedHeader, at: .line(5), field: "TYPE")
        expectFailure(replacing("SIZE 2 4 8 1 4", "SIZE 2 3 8 1 4"), .pcd, kind: .malformedHeader, field: "TYPE")
        expectFailure(replacing("SIZE 2 4 8 1 4", "SIZE 2 four 8 1 4"), .pcd, kind: .badNumber, at: .line(4), field: "SIZE")
        expectFailure(replacing("COUNT 1 1 1 3 1", "COUNT 1 1 1 0 1"), .pcd, kind: .badNumber, field: "COUNT")
        expectFailure(replacing("COUNT 1 1 1 3 1", "COUNT 1 2 1 3 1"), .pcd, kind: .malformedHeader, field: "COUNT")
        expectFailure(replacing("COUNT 1 1 1 3 1", "COUNT 1 1 1 999999999999 1"), .pcd, kind: .tooLarge, field: "COUNT")
        expectFailure(replacing("FIELDS intensity x y rgb z", "FIELDS intensity x y rgb w"), .pcd, kind: .missingField, field: "FIELDS")
        expectFailure(replacing("FIELDS intensity x y rgb z", "FIELDS intensity x y rgb x"), .pcd, kind: .malformedHeader, field: "FIELDS")
        expectFailure(replacing("POINTS 3", "POINTS 4"), .pcd, kind: .malformedHeader, at: .line(9), field: "POINTS")
        expectFailure(replacing("WIDTH 3", "WIDTH 3\nWIDTH 3"), .pcd, kind: .malformedHeader, at: .line(8), field: "WIDTH")
        expectFailure(replacing("WIDTH 3", "WIDTH -3"), .pcd, kind: .badNumber, field: "WIDTH")
        expectFailure(replacing("HEIGHT 1", "HEIGHT 1 2"), .pcd, kind: .malformedHeader, field: "HEIGHT")
        expectFailure(replacing("HEIGHT 1", "HEIGHT 1\nVIEWPOINT 0 0 0"), .pcd, kind: .wrongValueCount, field: "VIEWPOINT")
        expectFailure(replacing("HEIGHT 1", "HEIGHT 1\nCOLOR red"), .pcd, kind: .malformedHeader, at: .line(9))
        expectFailure(replacing("WIDTH 3", "WIDTH 4294967296").replacing(QInferInputFormatsTests.ascii("HEIGHT 1"), with: QInferInputFormatsTests.ascii("HEIGHT 4294967296")),
                      .pcd, kind: .tooLarge, field: "WIDTH")
    }

    @Test func badBodies() {
        let binary = PCDFixtures.binary()
        expectFailure(Array(binary.dropLast()), .pcd, name: "t.pcd", kind: .truncated, at: .byteOffset(binary.count - 1), field: "POINTS")
        expectFailure(binary + [0, 0], .pcd, kind: .trailingData, at: .byteOffset(binary.count))
        let lying = PCDFixtures.binary(points: 3) {
            $0.replacingOccurrences(of: "WIDTH 3", with: "WIDTH 1000000000000000")
                .replacingOccurrences(of: "POINTS 3", with: "POINTS 1000000000000000")
        }
        expectFailure(lying, .pcd, kind: .truncated, field: "POINTS")
        expectFailure(PCDFixtures.binary(points: 0), .pcd, kind: .noPoints)
        var nan = PCDFixtures.binary()
        let secondX = nan.count - 2 * 21 + 2  // record: 2 + 4 + 8 + 3 + 4 = 21 bytes; x after intensity
        nan.replaceSubrange(secondX..<(secondX + 4), with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) })
        expectFailure(nan, .pcd, kind: .nonFinite, at: .point(1), field: "x")

        let head = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 2\nHEIGHT 1\nPOINTS 2\nDATA ascii\n"
        func body(_ text: String) -> [UInt8] { QInferInputFormatsTests.ascii(head + text) }
        #expect(pointCloud(body("1 2 3\n4 5 6\n"), .pcd)?.count == 2)
        expectFailure(body("1 2 3\n"), .pcd, kind: .truncated, field: "POINTS")
        expectFailure(body("1 2 3\n4 5 6\n7 8 9\n"), .pcd, kind: .trailingData, at: .line(11))
        expectFailure(body("1 2 3\n4 5\n"), .pcd, kind: .wrongValueCount, at: .line(10))
        expectFailure(body("1 2 3\n4 5 6 7\n"), .pcd, kind: .wrongValueCount, at: .line(10))
        expectFailure(body("1 2 3\n4 nan 6\n"), .pcd, kind: .nonFinite, at: .line(10), field: "y")
        expectFailure(body("1 2 3\n4 5 z\n"), .pcd, kind: .badNumber, at: .line(10), field: "z")
    }
}
