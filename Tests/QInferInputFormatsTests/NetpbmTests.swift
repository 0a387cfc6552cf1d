import Testing
@testable import QInferInputFormats

enum NetpbmFixtures {
    static let grayPixels: [UInt8] = [0, 10, 20, 255, 128, 7]  // 3 wide, 2 high
    static let rgbPixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]  // 2 wide, 2 high

    static let p2 = QInferInputFormatsTests.ascii("P2\n# made by hand\n3 2\n255\n0 10 20\n255 128 7\n")
    static let p5 = QInferInputFormatsTests.ascii("P5 3 2 255\n") + grayPixels
    static let p3 = QInferInputFormatsTests.ascii("P3\n2 2 # size\n255\n255 0 0  0 255 0\n0 0 255  9 8 7\n")
    static let p6 = QInferInputFormatsTests.ascii("P6\n#c\n2 2\n#c2\n255\r") + rgbPixels
}

@Suite("pgm and ppm")
struct NetpbmTests {
    @Test func roundTrips() {
        let gray = Frame(width: 3, height: 2, channels: 1, pixels: NetpbmFixtures.grayPixels)
        let rgb = Frame(width: 2, height: 2, channels: 3, pixels: NetpbmFixtures.rgbPixels)
        #expect(frame(NetpbmFixtures.p2, name: "a.pgm") == gray)
        #expect(frame(NetpbmFixtures.p5, name: "a.PGM") == gray)
        #expect(frame(NetpbmFixtures.p3, name: "a.ppm") == rgb)
        #expect(frame(NetpbmFixtures.p6, name: "a.ppm") == rgb)
    }

    @Test func rasterStartingWithWhitespaceByte() {
        // The single separator after maxval is consumed; a first sample of 10 ('\n') is data, not whitespace.
        #expect(frame(ascii("P5 2 1 255\n") + [10, 32], .pgm)?.pixels == [10, 32])
    }

    @Test func maxvalOtherThan255IsRescaled() {
        #expect(frame(ascii("P2 4 1 15 0 1 8 15"), .pgm)?.pixels == [0, 17, 136, 255])
        #expect(frame(ascii("P5 3 1 3\n") + [0, 1, 3], .pgm)?.pixels == [0, 85, 255])
        var sixteen = ascii("P5 3 1 65535\n")
        for value: UInt16 in [0, 0x8080, 65535] { sixteen.appendBE(value) }
        #expect(frame(sixteen, .pgm)?.pixels == [0, 128, 255])
        var rgb16 = ascii("P6 1 1 1000\n")
        for value: UInt16 in [1000, 500, 2] { rgb16.appendBE(value) }
        #expect(frame(rgb16, .ppm)?.pixels == [255, 128, 1])
        #expect(frame(ascii("P3 1 1 1000 1000 500 2"), .ppm)?.pixels == [255, 128, 1])
    }

    @Test func badInputs() {
        expectFailure([], .pgm, name: "e.pgm", kind: .badMagic, at: .byteOffset(0))
        expectFailure(ascii("Q5 1 1 255\n\0"), .pgm, kind: .badMagic, at: .byteOffset(0))
        expectFailure(ascii("P9 1 1 255\n\0"), .pgm, kind: .badMagic)
        expectFailure(ascii("P4 1 1\n\0"), .pgm, kind: .unsupported)
        expectFailure(ascii("P7\nWIDTH 1\n"), .pgm, kind: .unsupported)
        expectFailure(ascii("P51 1 255\n\0"), .pgm, kind: .badMagic, at: .byteOffset(2))
        expectFailure(NetpbmFixtures.p6, .pgm, name: "rgb.pgm", kind: .badMagic, at: .byteOffset(0))
        expectFailure(NetpbmFixtures.p5, .ppm, kind: .badMagic)
        expectFailure(ascii("P5"), .pgm, kind: .truncated, field: "width")
        expectFailure(ascii("P5\n3\n"), .pgm, kind: .truncated, at: .line(3), field: "height")
        expectFailure(ascii("P5 3 2"), .pgm, kind: .truncated, field: "maxval")
        expectFailure(ascii("P5 3 2 255"), .pgm, kind: .truncated)
        expectFailure(ascii("P2\n3 x 255\n"), .pgm, kind: .badNumber, at: .line(2), field: "height")
        expectFailure(ascii("P2\n3 -2 255\n"), .pgm, kind: .badNumber, at: .line(2), field: "height")
        expectFailure(ascii("P2\n3 2.0 255\n"), .pgm, kind: .badNumber, at: .line(2), field: "height")
        expectFailure(ascii("P2\n3 99999999999 255\n"), .pgm, kind: .badNumber, field: "height")
        expectFailure(ascii("P2\n0 2 255\n"), .pgm, kind: .badValue, field: "width")
        expectFailure(ascii("P2\n1 1 0\n0\n"), .pgm, kind: .badValue, at: .line(2), field: "maxval")
        expectFailure(ascii("P2\n1 1 65536\n0\n"), .pgm, kind: .badValue, field: "maxval")
        expectFailure(ascii("P5 100000 100000 255\n\0"), .pgm, kind: .tooLarge)
        expectFailure(ascii("P5 3 2 255\n") + [1, 2, 3], .pgm, kind: .truncated, at: .byteOffset(14))
        expectFailure(NetpbmFixtures.p5 + NetpbmFixtures.p5, .pgm, kind: .trailingData, at: .byteOffset(NetpbmFixtures.p5.count))
        expectFailure(ascii("P5 3 1 255x") + [1, 2, 3], .pgm, kind: .badNumber, field: "maxval")
        expectFailure(ascii("P5 3 1 100\n") + [1, 101, 3], .pgm, kind: .badValue, at: .byteOffset(12))
        var sixteen = ascii("P5 2 1 1000\n")
        sixteen.appendBE(UInt16(5)); sixteen.appendBE(UInt16(1001))
        expectFailure(sixteen, .pgm, kind: .badValue, at: .byteOffset(14))
        expectFailure(ascii("P2 3 1 255\n1 2\n"), .pgm, kind: .truncated, field: "sample")
        expectFailure(ascii("P2 3 1 255\n1 2 3 4\n"), .pgm, kind: .trailingData, at: .line(2))
        expectFailure(ascii("P2 3 1 255\n1\n2\n300\n"), .pgm, kind: .badValue, at: .line(4))
        expectFailure(ascii("P2 3 1 255\n1 two 3\n"), .pgm, kind: .badNumber, at: .line(2), field: "sample")
        expectFailure(ascii("P3 1 1 255\n1 2\n"), .ppm, kind: .truncated)
        // A header claiming far more plain samples than bytes present is refused before allocating.
        expectFailure(ascii("P2 10000 10000 255\n1 2 3\n"), .pgm, kind: .truncated)
    }
}
