import CGStreamer
import Foundation

/// A GStreamer pipeline that ends in an appsink and hands its frames out one at a time.
///
/// Threading: one consumer calls `nextFrame` at a time (a second concurrent call throws `.concurrentUse` rather
/// than racing for frames); `stop()` and `statistics` may be called from any thread, and `stop()` wakes a waiting
/// `nextFrame`, which then throws `.stopped`. GStreamer's own streaming threads fill the appsink in the background;
/// nothing here runs a GLib main loop (the bus is drained by `nextFrame`).
public final class CameraPipeline: @unchecked Sendable {
    /// The appsink the frames leave through; a description may end in its own `appsink name=qinfer …`.
    public static let sinkName = "qinfer"
    /// How often a waiting nextFrame looks at the bus: an error does not wake a blocked pull, so the wait is sliced.
    static let busPollInterval: Duration = .milliseconds(20)

    public let description: String
    public let options: CameraOptions

    /// Guards everything below; waited on by stop() until a running nextFrame has let go of the parts.
    private let condition = NSCondition()
    private var parts: PipelineParts?
    private var stopping = false
    private var pulling = false
    private var lastSequence: UInt64?
    private var counters = CameraStatistics(arrived: 0, delivered: 0, dropped: 0)

    /// Builds the pipeline and brings it to PLAYING; throws with GStreamer's message when it cannot.
    public init(description: String, options: CameraOptions) throws(CameraError) {
        self.description = description
        self.options = options
        parts = try PipelineParts.start(description: description, options: options)
    }

    deinit { stop() }

    public var statistics: CameraStatistics {
        condition.lock(); defer { condition.unlock() }
        var snapshot = counters
        if let parts { snapshot.arrived = parts.arrived }
        return snapshot
    }

    /// The next frame, waiting up to `timeout`; nil when none came in that time. Frames already in the appsink are
    /// handed out before a stream error or the end of the stream is thrown (`.streamFailed`, `.endOfStream`), and
    /// that error is thrown again by every later call.
    public func nextFrame(timeout: Duration) throws(CameraError) -> CameraFrame? {
        let parts = try beginPull()
        defer { endPull() }
        let deadline = ContinuousClock.now + timeout
        while true {
            let failed = parts.bus.drain()
            let remaining = deadline - ContinuousClock.now
            let wait = failed != nil ? .zero : max(.zero, min(remaining, Self.busPollInterval))
            if let sample = gst_app_sink_try_pull_sample(parts.sink, wait.clockTime) {
                defer { gst_sample_unref(sample) }
                let frame = try SampleReader.frame(from: sample, previousSequence: lastSequence)
                record(frame)
                return frame
            }
            if isStopping { throw CameraError(.stopped, "the camera pipeline was stopped") }
            if let error = failed ?? parts.bus.drain() {
                throw CameraError(.streamFailed, "the camera pipeline failed: \(error)")
            }
            if gst_app_sink_is_eos(parts.sink) != 0 || parts.bus.endOfStream {
                throw CameraError(.endOfStream, "the camera pipeline reached the end of its stream")
            }
            if ContinuousClock.now >= deadline { return nil }
        }
    }

    /// Stops the pipeline and releases every GStreamer object; safe to call more than once and from any thread.
    public func stop() {
        condition.lock()
        guard let parts, !stopping else { condition.unlock(); return }
        stopping = true
        condition.unlock()
        // NULL flushes the appsink, which returns a waiting pull at once; the objects stay until it has returned.
        gst_element_set_state(parts.pipeline, GST_STATE_NULL)
        condition.lock()
        while pulling { condition.wait() }
        counters.arrived = parts.arrived
        self.parts = nil
        condition.unlock()
        parts.release()
    }

    /// The running pipeline's GObjects (nil once stopped); the lifecycle tests watch them being finalized.
    func watchedObjects() -> [UnsafeMutableRawPointer]? {
        condition.lock(); defer { condition.unlock() }
        return parts?.objects
    }

    /// Whether a nextFrame call is under way; the tests wait for it before racing a second consumer or stop().
    var isConsumerWaiting: Bool {
        condition.lock(); defer { condition.unlock() }
        return pulling
    }

    private var isStopping: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopping
    }

    private func beginPull() throws(CameraError) -> PipelineParts {
        condition.lock(); defer { condition.unlock() }
        guard let parts, !stopping else { throw CameraError(.stopped, "the camera pipeline was stopped") }
        guard !pulling else { throw CameraError(.concurrentUse, "nextFrame is already waiting on another thread") }
        pulling = true
        return parts
    }

    private func endPull() {
        condition.lock()
        pulling = false
        condition.broadcast()
        condition.unlock()
    }

    private func record(_ frame: CameraFrame) {
        condition.lock(); defer { condition.unlock() }
        lastSequence = frame.sequence
        counters.delivered += 1
        counters.dropped += frame.droppedBefore
    }
}
