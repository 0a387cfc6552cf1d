import CPNG
import Testing
@testable import QInferInputFormats

enum PNGFixtures {
    static let rgbPixels: [UInt8] = (0..<(4 * 3 * 3)).map { UInt8($0 * 7 % 256) }  // 4 wide, 3 high
    static let grayPixels: [UInt8] = [0, 50, 100, 150, 200, 250]  // 3 wide, 2 high
    static var rgb: [UInt8] { PNGTestEncoder.libpng(width: 4, height: 3, format: cpng_format_rgb(), pixels: rgbPixels) }
    static var gray: [UInt8] { PNGTestEncoder.libpng(width: 3, height: 2, format: cpng_format_gray(), pixels: grayPixels) }
    /// Gray 16-bit without gAMA/sRGB chunks, two pixels: 0x0000 and 0x8080 and 0xFFFF.
    static var gray16: [UInt8] {
        PNGTestEncoder.handmade(width: 3, height: 1, bitDepth: 16, colorType: 0, rows: [[0, 0, 0x80, 0x80, 0xFF, 0xFF]])
    }
}

@Suite("png")
struct PNGTests {
    @Test func rgbAndGrayRoundTrip() {
        #expect(frame(PNGFixtures.rgb, name: "c.png") == Frame(width: 4, height: 3, channels: 3, pixels: PNGFixtures.rgbPixels))
        #expect(frame(PNGFixtures.gray, name: "g.png") == Frame(width: 3, height: 2, channels: 1, pixels: PNGFixtures.grayPixels))
    }

    @Test func alphaIsCompositedOnBlack() {
        // Opaque pixels keep their colour, transparent ones become black, half-transparent ones are darkened.
        let rgba: [UInt8] = [200, 100, 50, 255, 200, 100, 50, 0, 255, 255, 255, 128]
        let decoded = frame(PNGTestEncoder.libpng(width: 3, height: 1, format: cpng_format_rgba(), pixels: rgba), .png)
        #expect(decoded?.channels == 3)
        #expect(decoded.map { Array($0.pixels[0..<6]) } == [200, 100, 50, 0, 0, 0])
        if let mid = decoded?.pixels[6] { #expect(mid > 100 && mid < 255) }
        let ga: [UInt8] = [90, 255, 90, 0]
        #expect(frame(PNGTestEncoder.libpng(width: 2, height: 1, format: cpng_format_gray_alpha(), pixels: ga), .png)
                == Frame(width: 2, height: 1, channels: 1, pixels: [90, 0]))
    }

    @Test func sixteenBitIsReducedAsSRGB() {
        #expect(frame(PNGFixtures.gray16, .png) == Frame(width: 3, height: 1, channels: 1, pixels: [0, 128, 255]))
    }

    @Test func paletteBecomesRGB() {
        let palette = PNGTestEncoder.Chunk(type: "PLTE", data: [255, 0, 0, 0, 0, 255])
        let png = PNGTestEncoder.handmade(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[1, 0]], extra: [palette])
        #expect(frame(png, .png) == Frame(width: 2, height: 1, channels: 3, pixels: [0, 0, 255, 255, 0, 0]))
    }

    @Test func badInputs() {
        let valid = PNGFixtures.rgb
        expectFailure([], .png, name: "e.png", kind: .truncated, at: .byteOffset(0))
        expectFailure(Array(valid.prefix(5)), .png, kind: .truncated, at: .byteOffset(5))
        expectFailure(ascii("GIF89a and more bytes"), .png, name: "x.png", kind: .badMagic, at: .byteOffset(0))
        expectFailure(Array(valid.prefix(20)), .png, kind: .png, field: "header")
        expectFailure(Array(valid.prefix(valid.count - 20)), .png, kind: .png)
        let badCRC = PNGTestEncoder.handmade(width: 3, height: 1, bitDepth: 8, colorType: 0, rows: [[1, 2, 3]], corruptIDATCRC: true)
        expectFailure(badCRC, .png, kind: .png, field: "image data")
        let shortRows = PNGTestEncoder.handmade(width: 3, height: 2, bitDepth: 8, colorType: 0, rows: [[1, 2, 3]])
        expectFailure(shortRows, .png, kind: .png, field: "image data")
        let badDepth = PNGTestEncoder.handmade(width: 1, height: 1, bitDepth: 7, colorType: 0, rows: [[1]])
        expectFailure(badDepth, .png, kind: .png, field: "header")
        let zeroWidth = PNGTestEncoder.handmade(width: 0, height: 1, bitDepth: 8, colorType: 0, rows: [[]])
        expectFailure(zeroWidth, .png, kind: .png, field: "header")
        let noPalette = PNGTestEncoder.handmade(width: 1, height: 1, bitDepth: 8, colorType: 3, rows: [[0]])
        expectFailure(noPalette, .png, kind: .png)
        // A small file declaring a huge image is refused before the pixel buffer is allocated.
        let huge = PNGTestEncoder.handmade(width: 30000, height: 30000, bitDepth: 8, colorType: 2, rows: [[0, 0, 0]])
        expectFailure(huge, .png, kind: .tooLarge, field: "IHDR")
        #expect(decodeError(huge, format: .png)?.description.contains("(png)") == true)
    }
}
