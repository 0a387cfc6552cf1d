// qinferd: serves packed binarized models over a Unix socket (HTTP/1.1 + JSON), under systemd or in the foreground.
import ArgumentParser
import Dispatch
import Foundation
import Logging
import QInferBoard
import QInferDaemon
import QInferProtocol
import QInferSensors
import Synchronization

@main
struct QInferD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qinferd",
        abstract: "Serve packed binarized models over a Unix socket (HTTP/1.1 + JSON). docs/API.md describes the API."
    )

    @Option(help: "Configuration file (TOML); flags override it. Reloaded on SIGHUP.") var config: String?
    @Option(help: "Socket path when not socket-activated (default \(APIPaths.defaultSocket)).") var socket: String?
    @Option(name: .customLong("socket-mode"), help: "Octal mode of a socket qinferd binds itself (default 0660).") var socketMode: String?
    @Option(name: .customLong("socket-group"), help: "Group of a socket qinferd binds itself.") var socketGroup: String?
    @Option(name: .customLong("state-dir"), help: "Model store directory (default /var/lib/qinferd).") var stateDir: String?
    @Option(name: .customLong("models-dir"), help: "Shipped models served while the store is empty (repeatable).") var modelsDir: [String] = []
    @Option(help: "Inference worker threads.") var workers: Int?
    @Option(name: .customLong("admin-group"), help: "Group whose members may change models.") var adminGroup: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Option(help: "Board config name (default: detected from /proc/device-tree/model; generic-x86 on x86-64).") var board: String?
    @Option(name: .customLong("board-configs"), help: "Directory of board configs (default \(BoardSetup.defaultDirectory)).") var boardConfigs: String?
    @Option(name: .customLong("sysfs-root"), help: ArgumentHelp("Read sysfs and /proc under this directory (fixtures, containers).", visibility: .hidden))
    var sysfsRoot: String = ""

    func run() throws {
        // Before any thread exists: SIGTERM/SIGINT/SIGHUP stay pending until the main thread takes them with sigwait
        // at the end of run(), however early they come.
        SignalWaiter.blockEarly()
        limitMallocArenas(2)
        let file = try config.map(ConfigFile.load)
        let level = Logger.Level(rawValue: logLevel ?? file?.log_level ?? "info") ?? .info
        LoggingSetup.bootstrap(level: level)
        let logger = Logger(label: "qinferd")
        var settings = try effectiveConfig(file)
        let notifier = ServiceNotifier()
        let runtime: BoardRuntime?
        do {
            runtime = try BoardSetup.start(name: board ?? file?.board, directory: boardConfigs ?? file?.board_configs,
                                           files: SysfsFiles(root: sysfsRoot), logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        if let runtime {
            // Flags and qinferd.toml win over the board's thread count.
            if workers == nil && file?.workers == nil { settings.workers = runtime.config.cpu.threads }
            settings.workerCores = runtime.config.cpu.cores
        }
        let daemon: Daemon
        do { daemon = try Daemon(config: settings, logger: logger, board: runtime) } catch {
            logger.critical("cannot start: \(error.message)")
            throw ExitCode(1)
        }
        let trigger = try BoardSetup.startTrigger(runtime: runtime, model: file?.trigger_model, input: file?.trigger_input,
                                                  daemon: daemon, logger: logger)
        let reloadPath = config
        let flags = self
        daemon.setConfigSource {
            try flags.effectiveConfig(try reloadPath.map(ConfigFile.load))
        }

        let fd: Int32
        let where_: String
        let ownSocketPath: String? // unlinked on a clean exit; never a socket-activated one (qinferd.socket owns it)
        let activated = try SocketActivation.sockets()
        if let api = activated?.api {
            fd = api.fd
            where_ = "\(api.address ?? "fd \(api.fd)") (socket-activated)"
            ownSocketPath = nil
        } else {
            let path = socket ?? file?.socket ?? APIPaths.defaultSocket
            let modeText = socketMode ?? file?.socket_mode ?? "0660"
            guard let mode = mode_t(modeText, radix: 8) else { throw ConfigError("socket mode '\(modeText)' is not octal") }
            fd = try UnixSocketBinder(path: path, mode: mode, group: socketGroup ?? file?.socket_group).bind()
            where_ = path
            ownSocketPath = path
        }
        // Ready before the first accept: the store is loaded, and with socket activation the connection that started
        // qinferd is already waiting, so its GET /v1/health must not read "not ready".
        daemon.markReady()
        let server = try HTTPServer(daemon: daemon, listeningSocket: fd)
        // qinferd-metrics.socket: GET /metrics only, on the API's event loop (no thread of its own).
        let metricsSocket = activated?.metrics
        let metrics = try metricsSocket.map {
            try HTTPServer(metricsOf: daemon, listeningSocket: $0.fd, sharingEventLoopsWith: server)
        }
        let watchdog = try Watchdog.fromEnvironment(notifier: notifier, logger: logger) { daemon.ready }

        logger.info("listening on \(where_), serving \(daemon.store.modelCount) model(s)")
        if let socket = metricsSocket {
            logger.info("metrics (GET /metrics only) on \(socket.address ?? "fd \(socket.fd)") (socket-activated)")
        }
        _ = try? notifier.ready(status: statusLine(daemon))
        watchdog?.start()
        // After READY: a source's socket or directory problem is retried in the background, never a start failure.
        // Camera sources are built here, where GStreamer is linked (QInferDaemon does not link it).
        daemon.sources.register(kind: "camera", CameraSource.factory(store: daemon.store))
        daemon.sources.start(daemon: daemon, binder: SourceSocketBinder.bind)

        // STATUS= only when it changed, and on its own queue: sd_notify blocks while the notify socket's queue is
        // full, which must never hold up the signal handlers.
        let status = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "qinferd.status"))
        let lastStatus = Mutex(statusLine(daemon))
        status.schedule(deadline: .now() + 5, repeating: 5)
        status.setEventHandler {
            let line = statusLine(daemon)
            guard lastStatus.withLock({ last in defer { last = line }; return last != line }) else { return }
            _ = try? notifier.status(line)
        }
        status.resume()
        // SIGHUP reloads; SIGTERM/SIGINT drain and exit. Signals that came earlier are still pending here.
        withExtendedLifetime((status, server, metrics, trigger, runtime)) {
            SignalWaiter.run { sig in
                if sig == SIGHUP {
                    _ = try? notifier.reloading(status: "reloading configuration")
                    try? daemon.reloadFromDisk()
                    _ = try? notifier.ready(status: statusLine(daemon))
                    return
                }
                logger.info("signal \(sig): draining")
                _ = try? notifier.stopping(status: "draining \(daemon.inFlightRequests) request(s)")
                // No new frames; an inference a source has in flight is finished by the drain.
                daemon.sources.stop()
                try? metrics?.channel.close().wait()
                try? server.channel.close().wait() // no new connections
                // Requests already received are answered (their responses written) before the process exits.
                let bound = Duration.milliseconds(daemon.config.deadlineMillis) + .seconds(5)
                let unanswered = daemon.drain(timeout: bound)
                if unanswered > 0 { logger.warning("\(unanswered) request(s) still unanswered after \(bound); exiting anyway") }
                watchdog?.stop()
                trigger?.stop()
                runtime?.shutdown() // lowers and releases the GPIO lines
                if let ownSocketPath { unlink(ownSocketPath) }
                logger.info("stopped after \(daemon.stats.served) request(s)")
                Foundation.exit(0)
            }
        }
    }

    func effectiveConfig(_ file: ConfigFile?) throws -> DaemonConfig {
        var c = try file?.apply(to: DaemonConfig()) ?? DaemonConfig()
        if let stateDir { c.stateDirectory = stateDir }
        if !modelsDir.isEmpty { c.embeddedModelDirectories = modelsDir }
        if let workers {
            guard (1...256).contains(workers) else { throw ConfigError("--workers \(workers) is not in 1…256") }
            c.workers = workers
        }
        if let adminGroup { c.adminGroup = adminGroup.isEmpty ? nil : adminGroup }
        return c
    }
}

func statusLine(_ daemon: Daemon) -> String {
    "serving \(daemon.store.modelCount) model(s), \(daemon.stats.served) request(s) served"
}

/// glibc gives each thread that allocates its own malloc arena, up to 8 per CPU; qinferd's threads (event loop,
/// workers, power sampler, thermal monitor) each kept one mostly empty (`qinfer bench daemon --board-configs`, 2 CPUs,
/// resident after serving both models: 41.4 MB before, 39.9–40.7 MB with two arenas, measured before BiPointNet's max
/// was fused). A couple of arenas are plenty: the hot paths allocate little. mallopt is declared in
/// malloc.h, which Swift's Glibc module does not include, so it is looked up at run time (M_ARENA_MAX is -8 there).
func limitMallocArenas(_ count: Int32) {
    typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, count)
}
