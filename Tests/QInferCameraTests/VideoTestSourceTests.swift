import QInferCamera
import QInferEngine
import QInferModel
import Testing

/// videotestsrc through videoconvert and videoscale: the count, size and format the appsink asks for.
@Suite struct VideoTestSourceTests {
    @Test(arguments: [CameraFormat(pixels: .gray8, width: 28, height: 28), CameraFormat(pixels: .rgb, width: 30, height: 17)])
    func yieldsTheRequestedFramesThenTheEnd(format: CameraFormat) throws {
        let pipeline = try CameraPipeline(description: "videotestsrc num-buffers=12 ! videoconvert ! videoscale",
                                          options: CameraOptions(format: format, delivery: .everyFrame, syncToClock: false))
        defer { pipeline.stop() }
        let (frames, end) = CameraFixtures.drain(pipeline, atMost: 20)
        #expect(frames.count == 12)
        #expect(CameraFixtures.kind(end) == .endOfStream)
        for frame in frames {
            #expect(frame.width == format.width && frame.height == format.height && frame.channels == format.pixels.channels)
            // Stride-free: 30 × 3 = 90 bytes a row, which GStreamer pads to 92 in its own buffer.
            #expect(frame.pixels.count == format.width * format.height * format.pixels.channels)
        }
        #expect(frames.map(\.sequence) == (0..<12).map(UInt64.init))
        #expect(frames.allSatisfy { $0.droppedBefore == 0 })
        // videotestsrc stamps 30 fps timestamps from 0.
        #expect(frames.first?.presentationTime == .zero)
        #expect(frames.last?.presentationTime.map { $0 > .milliseconds(300) } == true)
        let stats = pipeline.statistics
        #expect(stats == CameraStatistics(arrived: 12, delivered: 12, dropped: 0))
        // The end is sticky: every later call says so again.
        #expect(throws: CameraError.self) { try pipeline.nextFrame(timeout: .milliseconds(50)) }
    }

    /// A source fixed at 64×48 GRAY8 with no videoscale cannot meet 28×28: the sink's fallback caps take the source's
    /// size, and the engine's preprocessing resizes, exactly as it does for a 64×48 PNG.
    @Test func withoutVideoscaleThePreprocessorResizes() throws {
        let pipeline = try CameraPipeline(
            description: "videotestsrc num-buffers=3 pattern=ball ! video/x-raw,format=GRAY8,width=64,height=48",
            options: CameraOptions(format: CameraFormat(pixels: .gray8, width: 28, height: 28), delivery: .everyFrame, syncToClock: false))
        defer { pipeline.stop() }
        let (frames, _) = CameraFixtures.drain(pipeline, atMost: 3)
        #expect(frames.count == 3)
        let frame = try #require(frames.first)
        #expect(frame.width == 64 && frame.height == 48 && frame.channels == 1)
        let (_, preparer) = try CameraFixtures.irnetModel()
        let input = try frame.modelInput(preparer)
        #expect(input.count == 28 * 28)
        #expect(input == (try preparer.prepare(.frame(frame.decoded))))
    }

    /// A description that ends in its own appsink named qinfer keeps it (and its properties); ours is not appended.
    @Test func usesTheDescriptionsOwnAppsink() throws {
        let pipeline = try CameraPipeline(
            description: "videotestsrc num-buffers=2 ! videoconvert ! videoscale ! appsink name=qinfer",
            options: CameraOptions(format: CameraFormat(pixels: .rgb, width: 8, height: 8), delivery: .everyFrame, syncToClock: false))
        defer { pipeline.stop() }
        let (frames, end) = CameraFixtures.drain(pipeline, atMost: 5)
        #expect(frames.count == 2 && frames.allSatisfy { $0.width == 8 && $0.channels == 3 })
        #expect(CameraFixtures.kind(end) == .endOfStream)
    }

    /// syncToClock: a non-live source is paced at its framerate like a camera (10 frames at 50 fps take 9 × 20 ms);
    /// without it they come as fast as they are made (not bounded here: a loaded machine may be slow either way).
    @Test func syncToClockPacesAtTheFramerate() throws {
        let description = "videotestsrc num-buffers=10 ! video/x-raw,framerate=50/1 ! videoconvert ! videoscale"
        let format = CameraFormat(pixels: .gray8, width: 28, height: 28)
        var elapsed: [Bool: Duration] = [:]
        for sync in [true, false] {
            let started = ContinuousClock.now
            let pipeline = try CameraPipeline(description: description,
                                              options: CameraOptions(format: format, delivery: .everyFrame, syncToClock: sync))
            defer { pipeline.stop() }
            let (frames, end) = CameraFixtures.drain(pipeline, atMost: 11)
            #expect(frames.count == 10 && CameraFixtures.kind(end) == .endOfStream)
            elapsed[sync] = ContinuousClock.now - started
        }
        #expect(elapsed[true].map { $0 >= .milliseconds(170) } == true, "paced: \(String(describing: elapsed[true]))")
    }

    /// The format a model's metadata asks for: IR-Net is 28×28 gray.
    @Test func formatFollowsTheModel() throws {
        let (engine, _) = try CameraFixtures.irnetModel()
        let frame = try #require(engine.model.metadata.preprocessing.frame)
        #expect(CameraFormat(for: frame) == CameraFormat(pixels: .gray8, width: 28, height: 28))
        let bgr = FramePreprocessing(width: 32, height: 24, channelOrder: .bgr, mean: [0, 0, 0], std: [1, 1, 1])
        #expect(CameraFormat(for: bgr) == CameraFormat(pixels: .rgb, width: 32, height: 24))
    }
}
