import Testing
@testable import QInferInputFormats

@Suite("format detection")
struct FormatDetectionTests {
    @Test func fromExtension() {
        #expect(InputFormat(fileName: "scan.PLY") == .ply)
        #expect(InputFormat(fileName: "/data/run.1/input.npy") == .npy)
        #expect(InputFormat(fileName: "frame.png") == .png)
        #expect(InputFormat(fileName: "a.pts") == .pts)
        #expect(InputFormat(fileName: "noext") == nil)
        #expect(InputFormat(fileName: ".npy") == nil)  // a hidden file named "npy", not an extension
        #expect(InputFormat(fileName: "dir.ply/blob") == nil)
        #expect(InputFormat(fileName: "a.jpeg") == nil)
    }

    @Test func fromContent() {
        #expect(InputFormat(sniffing: NumpyFixtures.float32Version1) == .npy)
        #expect(InputFormat(sniffing: PNGFixtures.gray) == .png)
        #expect(InputFormat(sniffing: PLYFixtures.binary(bigEndian: false)) == .ply)
        #expect(InputFormat(sniffing: ascii(PCDFixtures.ascii)) == .pcd)
        #expect(InputFormat(sniffing: ascii("VERSION 0.7\nFIELDS x y z\n")) == .pcd)
        #expect(InputFormat(sniffing: NetpbmFixtures.p5) == .pgm)
        #expect(InputFormat(sniffing: NetpbmFixtures.p3) == .ppm)
        #expect(InputFormat(sniffing: ascii("# pts\n2\n1 2 3\n4 5 6\n")) == .pts)
        #expect(InputFormat(sniffing: ascii("\n1 2 3 4\n")) == .xyz)
        #expect(InputFormat(sniffing: ascii("hello world foo\n")) == nil)
        #expect(InputFormat(sniffing: [0, 0, 128, 63]) == nil)
        #expect(InputFormat(sniffing: []) == nil)
    }

    @Test func decodeInputPicksTheFormat() {
        #expect(pointCloud(ascii("1 2 3\n"), name: "upload")?.count == 1)
        #expect(frame(NetpbmFixtures.p5, name: "upload") != nil)
        // The extension wins over the content; an explicit format wins over both.
        expectFailure(NetpbmFixtures.p5, nil, name: "frame.npy", kind: .badMagic)
        #expect(frame(NetpbmFixtures.p5, .pgm, name: "frame.npy") != nil)
    }

    @Test func errorsNameTheFile() {
        expectFailure([1, 2, 3], nil, name: "mystery.bin", kind: .unknownFormat)
        let error = decodeError(ascii("1 2 x\n"), name: "clouds/scan.xyz")
        #expect(error?.description == "clouds/scan.xyz (xyz), line 1, field 'z': \"x\" is not a number")
        // A shape never silently applies to formats that carry their own size.
        expectFailure(ascii("1 2 3\n"), .xyz, shape: [1, 3], kind: .badShape, field: "shape")
        expectFailure(NetpbmFixtures.p5, .pgm, shape: [2, 3], kind: .badShape)
    }
}
