import Testing
import QInferRandom
@testable import QInferInputFormats

/// Every valid fixture, truncated and corrupted a few hundred ways with a fixed seed: decoding must either
/// succeed with a self-consistent value or throw InputError — never crash, trap or hang.
@Suite("mutations")
struct MutationTests {
    struct Fixture: CustomStringConvertible, Sendable {
        var name: String
        var format: InputFormat
        var bytes: [UInt8]
        var shape: [Int]? = nil
        var description: String { name }
    }

    static let fixtures: [Fixture] = [
        Fixture(name: "numpy-f4.npy", format: .npy, bytes: NumpyFixtures.float32Version1),
        Fixture(name: "numpy-u1.npy", format: .npy, bytes: NumpyFixtures.uint8Version2),
        Fixture(name: "numpy-f8.npy", format: .npy, bytes: NumpyFixtures.float64Version3),
        Fixture(name: "raw.f32", format: .f32, bytes: RawF32Tests.bytes([1, 2, 3, 4, 5, 6]), shape: [2, 3]),
        Fixture(name: "scan.xyz", format: .xyz, bytes: ascii(XYZTests.xyz)),
        Fixture(name: "scan.pts", format: .pts, bytes: ascii("3\n1 2 3 10\n4 5 6 10\n7 8 9 10\n")),
        Fixture(name: "ascii.ply", format: .ply, bytes: ascii(PLYFixtures.ascii)),
        Fixture(name: "le.ply", format: .ply, bytes: PLYFixtures.binary(bigEndian: false)),
        Fixture(name: "be.ply", format: .ply, bytes: PLYFixtures.binary(bigEndian: true)),
        Fixture(name: "ascii.pcd", format: .pcd, bytes: ascii(PCDFixtures.ascii)),
        Fixture(name: "binary.pcd", format: .pcd, bytes: PCDFixtures.binary()),
        Fixture(name: "p2.pgm", format: .pgm, bytes: NetpbmFixtures.p2),
        Fixture(name: "p5.pgm", format: .pgm, bytes: NetpbmFixtures.p5),
        Fixture(name: "p3.ppm", format: .ppm, bytes: NetpbmFixtures.p3),
        Fixture(name: "p6.ppm", format: .ppm, bytes: NetpbmFixtures.p6),
        Fixture(name: "rgb.png", format: .png, bytes: PNGFixtures.rgb),
        Fixture(name: "gray.png", format: .png, bytes: PNGFixtures.gray),
        Fixture(name: "gray16.png", format: .png, bytes: PNGFixtures.gray16),
    ]

    static let mutationsPerFixture = 400

    @Test(arguments: fixtures) func mutatedInputsNeverCrash(fixture: Fixture) {
        #expect(decodeOK(fixture.bytes, fixture.format, name: fixture.name, shape: fixture.shape) != nil)
        var random = SplitMix64(seed: 0x51_4E_46 ^ UInt64(fixture.name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var outcomes = (decoded: 0, refused: 0)
        for round in 0..<Self.mutationsPerFixture {
            let mutated = Self.mutate(fixture.bytes, round: round, using: &random)
            // Both with the fixture's format and with detection from the content.
            for format in [fixture.format, nil] {
                do {
                    let value = try decodeInput(mutated, format: format, name: fixture.name + "~",
                                                shape: format == nil ? nil : fixture.shape)
                    Self.checkConsistent(value, fixture: fixture)
                    outcomes.decoded += 1
                } catch {
                    #expect(!error.message.isEmpty)
                    #expect(error.name == fixture.name + "~")
                    outcomes.refused += 1
                }
            }
        }
        #expect(outcomes.decoded + outcomes.refused == 2 * Self.mutationsPerFixture)
        #expect(outcomes.refused > 0)
    }

    static func mutate(_ bytes: [UInt8], round: Int, using random: inout SplitMix64) -> [UInt8] {
        var out = bytes
        switch round % 6 {
        case 0:  // truncation
            out = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 1, 2:  // 1–4 bit flips
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                out[Int.random(in: 0..<out.count, using: &random)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            }
        case 3:  // overwrite a byte with an interesting value
            let interesting: [UInt8] = [0, 0xFF, 0x7F, 0x80, 0x0A, 0x0D, 0x20, 0x23, 0x2D, 0x39]
            out[Int.random(in: 0..<out.count, using: &random)] = interesting.randomElement(using: &random)!
        case 4:  // delete or duplicate a run
            let start = Int.random(in: 0..<out.count, using: &random)
            let length = Int.random(in: 1...min(16, out.count - start), using: &random)
            if Bool.random(using: &random) {
                out.removeSubrange(start..<(start + length))
            } else {
                out.insert(contentsOf: out[start..<(start + length)], at: start)
            }
        default:  // set a 4-byte window to a large or negative number (lengths, counts, dimensions)
            let start = Int.random(in: 0..<max(1, out.count - 4), using: &random)
            let value = [UInt32.max, 0x7FFF_FFFF, 0x8000_0000, 0x0001_0000, UInt32.random(in: 0...UInt32.max, using: &random)]
                .randomElement(using: &random)!
            for i in 0..<min(4, out.count - start) { out[start + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        }
        return out
    }

    static func checkConsistent(_ value: DecodedInput, fixture: Fixture) {
        switch value {
        case .pointCloud(let cloud):
            #expect(cloud.count > 0, "\(fixture)")
            #expect(cloud.points.count == cloud.count * 3, "\(fixture)")
            #expect(cloud.points.allSatisfy { $0.isFinite }, "\(fixture)")
        case .frame(let frame):
            #expect(frame.width > 0 && frame.height > 0, "\(fixture)")
            #expect(frame.channels == 1 || frame.channels == 3, "\(fixture)")
            #expect(frame.pixels.count == frame.width * frame.height * frame.channels, "\(fixture)")
        case .tensor(let tensor):
            #expect(tensor.shape.allSatisfy { $0 >= 0 }, "\(fixture)")
            #expect(tensor.count == tensor.shape.reduce(1, *), "\(fixture)")
        }
    }
}
