import Testing
@testable import QInferInputFormats

@Suite("xyz and pts")
struct XYZTests {
    static let xyz = """
        # scanner export
        1 2 3
        -4.5\t5e-1  +6 255 0 0
        \t
        7.25 -8 9 # trailing comment

        .5 5. -0
        """

    @Test func readsColumnsCommentsAndBlankLines() {
        let cloud = pointCloud(ascii(Self.xyz), name: "scan.xyz")
        #expect(cloud == PointCloud(points: [1, 2, 3, -4.5, 0.5, 6, 7.25, -8, 9, 0.5, 5, 0], count: 4))
    }

    @Test func lineEndings() {
        for newline in ["\n", "\r\n", "\r"] {
            let text = ["1 2 3", "4 5 6", ""].joined(separator: newline)
            #expect(pointCloud(ascii(text), .xyz)?.count == 2, "newline \(newline.utf8.map { $0 })")
        }
    }

    @Test func ptsWithAndWithoutCount() {
        #expect(pointCloud(ascii("3\n1 2 3 10 1 2 3\n4 5 6 10 1 2 3\n7 8 9 10 1 2 3\n"), name: "a.pts")?.count == 3)
        #expect(pointCloud(ascii("1 2 3 10\n4 5 6 10\n"), name: "a.pts")?.count == 2)
        #expect(pointCloud(ascii("# header\n\n2\n1 2 3\n4 5 6"), name: "a.pts")?.count == 2)
    }

    @Test func badInputs() {
        expectFailure(ascii(""), .xyz, name: "e.xyz", kind: .noPoints)
        expectFailure(ascii("# only comments\n\n"), .xyz, kind: .noPoints)
        expectFailure(ascii("1 2 3\n4 5\n"), .xyz, name: "s.xyz", kind: .wrongValueCount, at: .line(2))
        expectFailure(ascii("3\n1 2 3\n"), .xyz, kind: .wrongValueCount, at: .line(1))
        expectFailure(ascii("1 2 3\n4 five 6\n"), .xyz, kind: .badNumber, at: .line(2), field: "y")
        expectFailure(ascii("1 2 3\n4 5 0x10\n"), .xyz, kind: .badNumber, at: .line(2), field: "z")
        expectFailure(ascii("1,2,3\n"), .xyz, kind: .wrongValueCount, at: .line(1))
        expectFailure(ascii("1 2 3\n\n\nnan 5 6\n"), .xyz, kind: .nonFinite, at: .line(4), field: "x")
        expectFailure(ascii("1 -inf 3\n"), .xyz, kind: .nonFinite, at: .line(1), field: "y")
        expectFailure(ascii("1 2 Infinity\n"), .xyz, kind: .nonFinite, at: .line(1), field: "z")
        expectFailure(ascii("1 2 1e39\n"), .xyz, kind: .nonFinite, at: .line(1), field: "z")
        expectFailure([0x31, 0x20, 0x32, 0x20, 0x00, 0x0A], .xyz, kind: .badNumber, at: .line(1), field: "z")
        expectFailure([0x31, 0x20, 0x32, 0x20, 0xFF, 0x0A], .xyz, kind: .badNumber, at: .line(1), field: "z")
        // .pts count line that lies, in both directions, or is not a count.
        expectFailure(ascii("5\n1 2 3\n4 5 6\n"), .pts, name: "c.pts", kind: .truncated, at: .line(1), field: "count")
        expectFailure(ascii("1\n1 2 3\n4 5 6\n"), .pts, kind: .trailingData, at: .line(1), field: "count")
        expectFailure(ascii("-1\n1 2 3\n"), .pts, kind: .badNumber, at: .line(1), field: "count")
        expectFailure(ascii("two\n1 2 3\n"), .pts, kind: .badNumber, at: .line(1), field: "count")
        expectFailure(ascii("0\n"), .pts, kind: .noPoints)
        expectFailure(ascii("2\n1 2 3\n2\n"), .pts, kind: .wrongValueCount, at: .line(3))
    }
}
