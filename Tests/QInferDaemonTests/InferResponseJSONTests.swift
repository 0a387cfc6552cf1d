import Foundation
import QInferProtocol
import QInferRandom
import Testing

/// InferResponse.jsonBytes() is what qinferd writes for every inference; it must be exactly JSONEncoder's output
/// with the daemon's options (the form every existing client and test parses), on any answer.
@Suite struct InferResponseJSONTests {
    private static func foundation(_ r: InferResponse) -> [UInt8]? {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(r)).map { [UInt8]($0) }
    }

    /// Floats across the range JSON numbers take: zero of both signs, integers, tiny, huge, subnormal, random bits.
    private static func float(_ rng: inout SplitMix64) -> Float {
        switch rng.below(8) {
        case 0: return [0, -0.0, 1, -1, 100, 0.5, 1e-45, .greatestFiniteMagnitude, .leastNormalMagnitude][rng.below(9)]
        case 1: return Float(rng.int(-100_000...100_000))
        case 2: return rng.float(-1...1) * 1e-30
        case 3: return rng.float(-1...1) * 1e30
        case 4:
            let v = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            return v.isFinite ? v : 0.25
        default: return rng.normal()
        }
    }

    private static func double(_ rng: inout SplitMix64) -> Double {
        switch rng.below(4) {
        case 0: return [0, -0.0, 1, 2.5e-7, 1e300, 123_456_789][rng.below(6)]
        case 1:
            let v = Double(bitPattern: rng.next())
            return v.isFinite ? v : 0.125
        default: return Double(rng.float(0...10)) * 1e-3
        }
    }

    /// Labels and names with everything JSON escapes, slashes, and non-ASCII text.
    private static func text(_ rng: inout SplitMix64) -> String {
        let pieces = ["cat", "T-shirt/top", "\"quoted\"", "back\\slash", "tab\there", "line\nbreak", "\r\u{08}\u{0C}", "\u{01}\u{1F}\u{7F}",
                      "naïve", "日本", "🐈", "", " ", "a/b/c", "\u{0}"]
        return (0..<rng.int(0...4)).map { _ in pieces[rng.below(pieces.count)] }.joined()
    }

    @Test func equalsJSONEncoderOnRandomAnswers() throws {
        var rng = SplitMix64(seed: 0x4A50_4E)
        for round in 0..<2000 {
            let top = (0..<rng.int(0...6)).map { _ in
                Prediction(index: rng.int(-5...1_000_000), label: Self.text(&rng), score: Self.float(&rng))
            }
            let energy = rng.below(2) == 0 ? nil : EnergyTelemetry(
                joules: Self.double(&rng), joulesAboveIdle: Self.double(&rng), averageWatts: Self.double(&rng),
                source: Self.text(&rng), estimated: rng.below(2) == 0)
            let board = rng.below(2) == 0 ? nil : BoardState(
                temperatureC: rng.below(2) == 0 ? nil : Self.double(&rng), cpuMHz: rng.below(2) == 0 ? nil : Self.double(&rng),
                cpuMaxMHz: rng.below(2) == 0 ? nil : Self.double(&rng), throttled: rng.below(3) == 0 ? nil : rng.below(2) == 0,
                throttleReason: rng.below(2) == 0 ? nil : Self.text(&rng))
            let telemetry = Telemetry(queueMicros: rng.int(0...1_000_000), preprocessMicros: rng.int(0...1000), computeMicros: rng.int(-1...10_000_000),
                                      totalMicros: Int.max - rng.below(3), energy: energy, board: board)
            let outputs = rng.below(2) == 0 ? nil : (0..<rng.int(0...40)).map { _ in Self.float(&rng) }
            // A live source's event lines carry its name, drops and rate.
            let source = rng.below(2) == 0 ? nil : SourceMark(name: Self.text(&rng), dropped: rng.int(0...1_000_000), fps: Self.double(&rng))
            let response = InferResponse(model: Self.text(&rng), version: Self.text(&rng), top: top, outputs: outputs, telemetry: telemetry,
                                         source: source)
            let want = try #require(Self.foundation(response))
            let got = response.jsonBytes()
            #expect(got == want, "round \(round): \(String(decoding: got ?? [], as: UTF8.self)) ≠ \(String(decoding: want, as: UTF8.self))")
            if got != want { return }
            #expect(try JSONDecoder().decode(InferResponse.self, from: Data(got ?? [])) == response)
        }
    }

    @Test func nonFiniteNumbersAreRefusedAsJSONEncoderRefusesThem() {
        let telemetry = Telemetry(queueMicros: 1, preprocessMicros: 2, computeMicros: 3, totalMicros: 6)
        for bad in [Float.nan, .infinity, -.infinity] {
            let r = InferResponse(model: "m", version: "1", top: [Prediction(index: 0, label: "a", score: bad)], outputs: [1, bad],
                                  telemetry: telemetry)
            #expect(r.jsonBytes() == nil && Self.foundation(r) == nil)
        }
        let energy = EnergyTelemetry(joules: .nan, joulesAboveIdle: 0, averageWatts: 1, source: "s", estimated: true)
        let r = InferResponse(model: "m", version: "1", top: [], outputs: nil,
                              telemetry: Telemetry(queueMicros: 1, preprocessMicros: 2, computeMicros: 3, totalMicros: 6, energy: energy))
        #expect(r.jsonBytes() == nil && Self.foundation(r) == nil)
    }
}
