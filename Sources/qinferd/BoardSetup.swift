// The board side of qinferd's start: which board config, its runtime (power sampler, thermal reader, GPIO lines),
// and the GPIO trigger that runs an inference on the latest input file.
import Foundation
import Logging
import QInferBoard
import QInferDaemon
import QInferProtocol
import QInferSensors

extension BoardRuntime: BoardHooks {}

enum BoardSetup {
    static let defaultDirectory = BoardConfigLoader.installedDirectory

    /// The runtime of the named (or detected) board; nil when no board directory exists and none was named
    /// (a development checkout without board-configs/ installed).
    static func start(name: String?, directory: String?, files: SysfsFiles, logger: Logger) throws -> BoardRuntime? {
        let dir = directory ?? defaultDirectory
        if directory == nil && name == nil && !FileManager.default.fileExists(atPath: dir) {
            logger.notice("no board configs in \(dir): serving without power, thermal or GPIO telemetry (see --board-configs)")
            return nil
        }
        let config = try BoardConfigLoader.choose(name: name, directory: dir,
                                                  deviceTreeModel: BoardConfigLoader.deviceTreeModel(root: files.root))
        logger.info("board: \(config.name) (\(config.description))")
        // The estimate counts qinferd's own CPU time: the inferences are its work, and its process clock is kept in
        // nanoseconds where /proc/stat's 10 ms ticks showed a sub-millisecond inference as idle power.
        return try BoardRuntime(config: config, files: files, gpioBackend: GPIODv1Backend(), logger: logger,
                                estimateCounter: .thisProcess)
    }

    /// With a trigger line and `trigger_model`/`trigger_input` set: each rising edge reads the input file (whatever a
    /// camera or lidar process last wrote there) and runs the model on it; the result goes to /v1/events like any
    /// inference. The keys without a line, or only one of them, are a start error; a board's line without the keys
    /// is only noted (the board file is shared, the keys are this site's).
    static func startTrigger(runtime: BoardRuntime?, model: String?, input: String?, daemon: Daemon, logger: Logger) throws -> TriggerWatcher? {
        let line = runtime?.gpio.trigger
        switch (line, model, input) {
        case (nil, nil, nil): return nil
        case (let line?, let model?, let input?):
            let watcher = TriggerWatcher(line: line, logger: logger) { _ in
                let request: InferenceRequest
                do throws(APIFailure) { request = InferenceRequest(model: model, input: try .file(at: input)) } catch {
                    return logger.error("trigger: \(model) on \(input): \(error.message)")
                }
                daemon.infer(request) { result in
                    if case .failure(let f) = result { logger.error("trigger: \(model) on \(input): \(f.message)") }
                }
            }
            watcher.start()
            logger.info("trigger: rising edges on \(line.address) run \(model) on \(input)")
            return watcher
        case (let line?, nil, nil):
            logger.notice("trigger line \(line.address) is held but unused: set trigger_model and trigger_input in qinferd.toml")
            return nil
        case (nil, _, _):
            throw ConfigError("trigger_model and trigger_input need a board with gpio.trigger_line")
        default:
            throw ConfigError("a trigger needs both trigger_model and trigger_input in qinferd.toml")
        }
    }
}
