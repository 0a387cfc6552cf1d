import Foundation
import QInferCamera
import QInferDaemon
import QInferModel
import QInferProtocol
import Synchronization

/// A `kind = "camera"` source: a GStreamer pipeline (QInferCamera) whose frames go to the source's model. It lives in
/// qinferd rather than QInferDaemon so the daemon's library never links GStreamer; qinferd registers it with
/// `LiveSources.register(kind:_:)`.
///
/// The pipeline keeps only the newest frame (`.latestOnly`): a live sensor is never held up by the model, and what
/// GStreamer drops before a delivered frame is counted as dropped. A stream error or the end of the stream fails the
/// source, so the runner restarts it after its backoff (a file pipeline therefore plays again from the start).
final class CameraSource: FrameSource {
    let pipelineDescription: String
    let format: CameraFormat
    private let running = Mutex<Running?>(nil)

    /// The pipeline and the signal its reading thread gives when it has returned (stop() waits for it).
    private struct Running: Sendable {
        let pipeline: CameraPipeline
        let finished: DispatchSemaphore
    }

    /// How long one wait for a frame lasts; a quiet camera just waits again, this only bounds each pull.
    static let pullTimeout: Duration = .seconds(1)

    init(pipeline: String, format: CameraFormat) {
        pipelineDescription = pipeline
        self.format = format
    }

    /// The factory qinferd registers: the frame format is the source's model's, read at every start attempt so a
    /// model swapped for one of another input size is followed on the next restart.
    static func factory(store: ModelStore) -> LiveSources.Factory {
        { config throws(SourceFailure) -> any FrameSource in
            guard case .camera(let pipeline) = config.input else {
                throw SourceFailure("source \(config.name) is a \(config.input.kind) source, not a camera")
            }
            let serving: ServingModel
            do throws(APIFailure) { serving = try store.serving(config.model, version: nil) } catch {
                throw SourceFailure("model '\(config.model)': \(error.message)")
            }
            guard let frame = serving.model.metadata.preprocessing.frame else {
                throw SourceFailure("model '\(config.model)' takes no image frames (its task is "
                                    + "\(serving.model.metadata.task.rawValue)); a camera source needs an image model")
            }
            return CameraSource(pipeline: pipeline, format: CameraFormat(for: frame))
        }
    }

    func start(_ sink: FrameSink) throws(SourceFailure) {
        let pipeline: CameraPipeline
        do {
            pipeline = try CameraPipeline(description: pipelineDescription,
                                          options: CameraOptions(format: format, delivery: .latestOnly))
        } catch {
            throw SourceFailure(error.message)
        }
        let finished = DispatchSemaphore(value: 0)
        running.withLock { $0 = Running(pipeline: pipeline, finished: finished) }
        let thread = Thread {
            Self.read(pipeline, into: sink)
            finished.signal()
        }
        thread.name = "qinferd.camera"
        thread.start()
    }

    /// Stops the pipeline, which wakes a waiting pull, then waits for the reading thread, so no frame follows.
    func stop() {
        guard let run = running.withLock({ r -> Running? in defer { r = nil }; return r }) else { return }
        run.pipeline.stop()
        run.finished.wait()
    }

    /// Pulls frames until the pipeline stops (stop()) or breaks (reported to the runner, which restarts the source).
    private static func read(_ pipeline: CameraPipeline, into sink: FrameSink) {
        while true {
            let frame: CameraFrame?
            do { frame = try pipeline.nextFrame(timeout: pullTimeout) } catch {
                if error.kind != .stopped { sink.fail(error.message) }
                return
            }
            guard let frame else { continue }
            sink.lost(Int(clamping: frame.droppedBefore))
            // A decoded 8-bit frame: the engine's frame preprocessing (resize, channel order, mean/std) takes it as
            // it takes a PNG posted to the API.
            sink.deliver(.decoded(.frame(frame.decoded)))
        }
    }
}
