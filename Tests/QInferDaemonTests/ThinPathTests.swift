import Foundation
import QInferRandom
import Testing
@testable import QInferDaemon
@testable import QInferProtocol

/// The infer path's shortcuts around Foundation give Foundation's results (issue 18, a thin path around compute).
@Suite struct ThinPathTests {
    /// Every ASCII byte, non-ASCII text and real content types: the same essence as trimming `.whitespaces` and
    /// lower-casing with Foundation.
    @Test func contentTypeEssenceEqualsFoundation() {
        var rng = SplitMix64(seed: 0xE55E)
        var samples = ["application/x-npy", " Application/JSON ; charset=utf-8", "\tIMAGE/PNG\t", "", ";", " ", "application/octet-stream",
                       "\u{A0}application/json\u{A0}", "text/plain\u{2003}", "ÄPPLICATION/JSON", "a\u{0B}", "\u{0C}x\r\n"]
        let alphabet = (0..<128).map { String(UnicodeScalar(UInt8($0))) } + ["\u{A0}", "\u{2003}", "é", "Ä", "日"]
        for _ in 0..<3000 { samples.append((0..<rng.int(0...12)).map { _ in alphabet[rng.below(alphabet.count)] }.joined()) }
        for text in samples {
            let head = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            #expect(InputMediaType.essence(text) == head.trimmingCharacters(in: .whitespaces).lowercased(), "\(Array(text.utf8))")
        }
        #expect(InputMediaType.essence(nil) == "")
    }

    /// Query values without a '%' are returned as Foundation's percent-decoding returns them: unchanged.
    @Test func percentDecodingEqualsFoundation() {
        var rng = SplitMix64(seed: 0x9E7C)
        var samples = ["1", "true", "a+b", "x%20y", "%", "%zz", "caf%C3%A9", "", "top_k", "日本", "%E6%97%A5"]
        let alphabet = (32..<127).map { String(UnicodeScalar(UInt8($0))) } + ["é", "日"]
        for _ in 0..<3000 { samples.append((0..<rng.int(0...10)).map { _ in alphabet[rng.below(alphabet.count)] }.joined()) }
        for text in samples {
            #expect(HTTPHandler.percentDecoded(text) == text.removingPercentEncoding ?? text, "\(text)")
        }
    }
}
