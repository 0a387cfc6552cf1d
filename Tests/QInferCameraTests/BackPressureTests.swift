import Foundation
import QInferCamera
import Testing

/// A stream faster than its consumer: frames are dropped and counted, memory stays flat.
@Suite(.serialized) struct BackPressureTests {
    /// videotestsrc without a clock (sync=false, not live) pushes 320×240 frames as fast as it can, thousands a second;
    /// the consumer takes one every 25 ms for 2 s. With appsink's queue unbounded that is hundreds of MB; kept at one
    /// frame it is nothing.
    @Test func aSlowConsumerDropsFramesWithoutGrowingMemory() throws {
        let options = CameraOptions(format: CameraFormat(pixels: .gray8, width: 320, height: 240), delivery: .latestOnly,
                                    syncToClock: false)
        let pipeline = try CameraPipeline(description: "videotestsrc ! videoconvert ! videoscale", options: options)
        defer { pipeline.stop() }
        // The first frames settle the pools and the registry; measure from there.
        let first = try #require(try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout))
        let before = try CameraFixtures.residentBytes()
        // Only the numbers are kept, so the test's own memory does not blur the measurement.
        var frames: [(sequence: UInt64, droppedBefore: UInt64)] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline, frames.count < 200 {
            if let frame = try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout) {
                #expect(frame.pixels.count == 320 * 240)
                frames.append((frame.sequence, frame.droppedBefore))
            }
            Thread.sleep(forTimeInterval: 0.025)
        }
        let after = try CameraFixtures.residentBytes()
        pipeline.stop()
        let stats = pipeline.statistics
        #expect(frames.count >= 20 && frames.count <= 81, "\(frames.count) frames in 2 s at one per 25 ms")
        // Drops are counted exactly, from the gaps in the arrival numbers; what arrived after the last pull is neither
        // delivered nor counted as dropped yet.
        let pulled = [(first.sequence, first.droppedBefore)] + frames
        #expect(stats.delivered == UInt64(pulled.count))
        #expect(stats.dropped == pulled.reduce(0) { $0 + $1.droppedBefore })
        #expect(stats.dropped > UInt64(frames.count), "a fast source and a slow consumer must drop: \(stats)")
        #expect(stats.arrived >= stats.delivered + stats.dropped, "\(stats)")
        #expect(first.sequence == first.droppedBefore)
        #expect(zip(pulled, pulled.dropFirst()).allSatisfy { $1.sequence == $0.sequence + 1 + $1.droppedBefore })
        // 77 KB frames, 12,000 to 21,000 of them in 2 s here: an unbounded queue would be 1 GB and more. The bound is
        // slack for the other tests running in this process at the same time.
        #expect(after - before < 24 << 20, "RSS grew by \((after - before) >> 20) MB while \(stats.dropped) frames were dropped")
    }

    /// `.everyFrame` holds the source instead: nothing is dropped however slow the consumer.
    @Test func everyFrameWaitsForTheConsumer() throws {
        let pipeline = try CameraPipeline(description: "videotestsrc num-buffers=8 ! videoconvert ! videoscale",
                                          options: CameraOptions(format: CameraFormat(pixels: .gray8, width: 64, height: 64),
                                                                 delivery: .everyFrame, syncToClock: false))
        defer { pipeline.stop() }
        var frames: [CameraFrame] = []
        for _ in 0..<8 {
            Thread.sleep(forTimeInterval: 0.02)
            if let frame = try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout) { frames.append(frame) }
        }
        #expect(frames.map(\.sequence) == (0..<8).map(UInt64.init))
        #expect(pipeline.statistics == CameraStatistics(arrived: 8, delivered: 8, dropped: 0))
    }
}
