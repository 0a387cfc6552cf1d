import Foundation
import QInferTestSupport
import Testing

/// `qinfer infer` writes its request with the daemon's codec, so a format or shape the daemon would refuse is
/// refused before any connection, with exit status 1 and the codec's message.
@Suite("qinfer infer refuses what the daemon would")
struct InferCommandTests {
    @Test("a bad --format/--shape combination exits 1 with a message naming the file and the rule")
    func badCombinations() throws {
        let dir = try ScratchDirectory()
        let missingSocket = "\(dir.path)/none.sock"
        let ply = try dir.write("cloud.ply", InputFileWriters.plyASCII([0, 0, 0, 1, 1, 1]))
        let json = try dir.write("cloud.json", Array("{\"input\": [1, 2, 3]}".utf8))
        let f32 = try dir.write("cloud.f32", InputFileWriters.rawF32([0, 0, 0]))
        let blob = try dir.write("blob.dat", [0x01, 0x02, 0x03, 0x04])
        let cases: [([String], String)] = [
            ([ply, "--shape", "2,3"], "a shape only applies to .f32 and .npy inputs; .ply files carry their own size"),
            ([f32, "--format", "xyz", "--shape", "1,3"], "a shape only applies to .f32 and .npy inputs; .xyz files"),
            ([json, "--shape", "1,3"], "a shape does not apply to a JSON input"),
            ([blob, "--format", "bogus"], "format 'bogus' is not one of json, npy"),
            ([f32], "a raw float32 input needs its shape"),
            ([blob], "cannot tell the format of \(blob)"),
            ([f32, "--shape", "0,3"], "--shape '0,3' is not a list of 1 to 8 positive integers"),
        ]
        for (args, message) in cases {
            let r = try runQInfer(["infer", "m"] + args + ["--socket", missingSocket])
            #expect(r.status == 1, "\(args): exit \(r.status), stderr \(r.err)")
            #expect(r.err.contains(message), "\(args): stderr was \(r.err)")
            #expect(!r.err.contains("no socket"), "\(args): refused only after trying to connect: \(r.err)")
        }
        // The same files in a form the daemon accepts get as far as the socket.
        for args in [[ply], [f32, "--shape", "1,3"], [blob, "--format", "f32", "--shape", "1"], [json]] {
            let r = try runQInfer(["infer", "m"] + args + ["--socket", missingSocket])
            #expect(r.status == 1 && r.err.contains("there is no socket at \(missingSocket)"), "\(args): \(r.err)")
        }
    }
}
