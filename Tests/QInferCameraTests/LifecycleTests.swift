import CGStreamer
import Foundation
@testable import QInferCamera
import QInferTestSupport
import Testing

/// stop(): from any thread, more than once, while a consumer waits; and nothing left behind.
@Suite struct LifecycleTests {
    static let options = CameraOptions(format: CameraFormat(pixels: .gray8, width: 28, height: 28))

    /// GObject weak pointers on the pipeline, its appsink and its bus are cleared when each is finalized, so a
    /// reference kept anywhere (a missed unref, a sample never released) shows as a pointer still set.
    @Test func repeatedStartAndStopFreesEveryObject() throws {
        for round in 0..<25 {
            let pipeline = try CameraPipeline(description: "videotestsrc is-live=true ! videoconvert ! videoscale", options: Self.options)
            _ = try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout)
            let watched = try #require(pipeline.watchedObjects())
            let slots = UnsafeMutablePointer<gpointer?>.allocate(capacity: watched.count)
            defer { slots.deallocate() }
            for (i, object) in watched.enumerated() {
                slots[i] = object
                g_object_add_weak_pointer(object.assumingMemoryBound(to: GObject.self), slots + i)
            }
            pipeline.stop()
            pipeline.stop()
            for i in 0..<watched.count {
                #expect(slots[i] == nil, "round \(round): object \(i) of the pipeline outlived stop()")
                if let alive = slots[i] { g_object_remove_weak_pointer(alive.assumingMemoryBound(to: GObject.self), slots + i) }
            }
            #expect(throws: CameraError(.stopped, "the camera pipeline was stopped")) { try pipeline.nextFrame(timeout: .zero) }
        }
    }

    /// A consumer blocked in nextFrame on a stream that sends nothing is released by stop() on another thread.
    @Test func stopWakesAWaitingConsumer() throws {
        let pipeline = try CameraPipeline(description: Self.oneFramePer100s, options: Self.options)
        _ = try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout)
        let consumer = Consumer(pipeline, timeout: .seconds(30))
        try consumer.waitUntilWaiting()
        let stopped = ContinuousClock.now
        pipeline.stop()
        let end = try consumer.result()
        #expect(end?.kind == .stopped)
        #expect(ContinuousClock.now - stopped < .seconds(2))
    }

    /// Two consumers at once would race for frames; the second is told so instead.
    @Test func aSecondConcurrentConsumerIsRefused() throws {
        let pipeline = try CameraPipeline(description: Self.oneFramePer100s, options: Self.options)
        defer { pipeline.stop() }
        _ = try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout)
        let first = Consumer(pipeline, timeout: .seconds(30))
        try first.waitUntilWaiting()
        let refused = #expect(throws: CameraError.self) { try pipeline.nextFrame(timeout: .zero) }
        #expect(refused?.kind == .concurrentUse)
        pipeline.stop()
        #expect(try first.result()?.kind == .stopped)
    }

    /// Live, one frame per 100 s: after the first frame a consumer waits.
    static let oneFramePer100s = "videotestsrc is-live=true ! video/x-raw,framerate=1/100 ! videoconvert ! videoscale"

    /// nextFrame on a thread of its own (not a Swift task: a blocking call there would hold one of the few
    /// cooperative threads the other tests run on).
    final class Consumer: @unchecked Sendable {
        private let pipeline: CameraPipeline
        private let done = DispatchSemaphore(value: 0)
        private var outcome: CameraError?

        init(_ pipeline: CameraPipeline, timeout: Duration) {
            self.pipeline = pipeline
            let thread = Thread { [self] in
                do throws(CameraError) { _ = try pipeline.nextFrame(timeout: timeout) } catch { outcome = error }
                done.signal()
            }
            thread.start()
        }

        func waitUntilWaiting() throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while !pipeline.isConsumerWaiting {
                guard ContinuousClock.now < deadline else { throw TestFailure("the consumer thread never started waiting") }
                Thread.sleep(forTimeInterval: 0.005)
            }
            // Past beginPull; give it a moment to be inside the appsink's wait.
            Thread.sleep(forTimeInterval: 0.05)
        }

        /// What ended the consumer's call (nil: a frame or a timeout), within 5 s.
        func result() throws -> CameraError? {
            guard done.wait(timeout: .now() + 5) == .success else { throw TestFailure("the consumer did not return within 5 s") }
            return outcome
        }
    }

    @Test func timesOutWithNil() throws {
        let pipeline = try CameraPipeline(description: Self.oneFramePer100s, options: Self.options)
        defer { pipeline.stop() }
        _ = try pipeline.nextFrame(timeout: CameraFixtures.frameTimeout)
        let started = ContinuousClock.now
        #expect(try pipeline.nextFrame(timeout: .milliseconds(150)) == nil)
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(140) && waited < .seconds(2))
    }
}
