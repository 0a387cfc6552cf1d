import Foundation
import QInferCamera
import QInferEngine
import QInferTestSupport
import Testing

/// Fashion-MNIST test images written as PNG files, read back through multifilesrc ! pngdec into the shipped IR-Net.
@Suite struct PNGSequenceTests {
    static let imageCount = 64

    @Test func framesEqualTheImagesAndIRNetAgreesWithTheNpyPath() throws {
        let images = try CameraFixtures.testImages(first: Self.imageCount)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let location = try CameraFixtures.writePNGSequence(images, into: dir.path)
        let pipeline = try CameraPipeline(description: CameraFixtures.pngSequence(location),
                                          options: CameraOptions(format: CameraFormat(pixels: .gray8, width: 28, height: 28),
                                                                 delivery: .everyFrame, syncToClock: false))
        defer { pipeline.stop() }
        let (frames, end) = CameraFixtures.drain(pipeline, atMost: Self.imageCount + 1)
        #expect(CameraFixtures.kind(end) == .endOfStream, "\(end)")
        try #require(frames.count == Self.imageCount)

        let (engine, preparer) = try CameraFixtures.irnetModel()
        var agree = 0, correct = 0
        for (i, frame) in frames.enumerated() {
            #expect(frame.width == 28 && frame.height == 28 && frame.channels == 1)
            #expect(frame.pixels == images.image(i), "frame \(i) differs from test image \(i)")
            let fromCamera = try CameraFixtures.label(engine, try frame.modelInput(preparer))
            // The path `qinfer eval` and the daemon take for a .npy sample: a u8 [28, 28] tensor.
            let fromNpy = try CameraFixtures.label(engine, try preparer.prepare(.tensor(.init(shape: [28, 28], storage: .uint8(images.image(i))))))
            if fromCamera == fromNpy { agree += 1 }
            if fromCamera == images.labels[i] { correct += 1 }
        }
        #expect(agree == Self.imageCount)
        // IR-Net is 86.5 % accurate on the whole set; 64 images leave room for a few points of sampling noise.
        #expect(correct >= Self.imageCount * 3 / 4, "\(correct) of \(Self.imageCount) correct")
    }

    /// A corrupt file in the middle (an IHDR whose CRC is wrong: the chunk layout pngdec's parser walks is intact,
    /// libpng refuses the data) ends the stream with GStreamer's error after the good frames before it.
    @Test func aCorruptFileMidStreamFailsAfterTheGoodFrames() throws {
        let images = try CameraFixtures.testImages(first: 10)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let location = try CameraFixtures.writePNGSequence(images, into: dir.path)
        let corrupt = CameraFixtures.framePath(dir.path, 6)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: corrupt)))
        // Signature (8) + IHDR length (4) + type (4) + data (13), then the CRC's first byte.
        try #require(bytes.count > 33 && bytes[12..<16] == [0x49, 0x48, 0x44, 0x52])
        bytes[29] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))

        let pipeline = try CameraPipeline(description: CameraFixtures.pngSequence(location),
                                          options: CameraOptions(format: CameraFormat(pixels: .gray8, width: 28, height: 28),
                                                                 delivery: .everyFrame, syncToClock: false))
        defer { pipeline.stop() }
        let (frames, end) = CameraFixtures.drain(pipeline, atMost: 20)
        #expect(frames.count == 6)
        #expect(zip(frames, 0..<6).allSatisfy { $0.pixels == images.image($1) })
        guard case .error(let error) = end else { Issue.record("the stream ended with \(end), not an error"); return }
        #expect(error.kind == .streamFailed)
        #expect(error.message.contains("data stream error") || error.message.contains("pngdec"), "\(error.message)")
        // Sticky: the pipeline does not pretend to recover.
        #expect(throws: CameraError(.streamFailed, error.message)) { try pipeline.nextFrame(timeout: .milliseconds(50)) }
    }
}
