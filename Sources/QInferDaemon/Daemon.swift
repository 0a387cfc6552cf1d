import Foundation
import Logging
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferProtocol
import QInferSigning
import Synchronization

/// The daemon's state shared by all connections: config, model store, scheduler, statistics and event stream.
public final class Daemon: Sendable {
    public let store: ModelStore
    public let scheduler: Scheduler
    public let stats = RequestStats()
    public let events = EventHub()
    /// The `[[source]]` sensors (live point-cloud sockets, watched directories); started by the executable after READY.
    public let sources = LiveSources()
    /// The API's routes (HTTPHandler matches requests against them).
    public let router = Router.api
    public let logger: Logger
    private let settings: Mutex<DaemonConfig>
    private let started = ContinuousClock.now
    private let isReady = Atomic<Bool>(false)
    public static let version = "0.4.0"

    /// The board's power, thermal and GPIO side; nil on a machine qinferd knows nothing about.
    public let board: (any BoardHooks)?

    public init(config: DaemonConfig, logger: Logger, board: (any BoardHooks)? = nil) throws(APIFailure) {
        self.logger = logger
        self.board = board
        settings = Mutex(config)
        store = try ModelStore(root: config.stateDirectory, embeddedDirectories: config.embeddedModelDirectories, logger: logger,
                               signatures: Self.loadSignaturePolicy(config, logger: logger))
        scheduler = Scheduler(workers: config.workers, capacity: config.queueCapacity, cores: config.workerCores)
    }

    public var config: DaemonConfig {
        get { settings.withLock { $0 } }
    }

    /// Applies a reloaded configuration: limits, deadline, admin group. Worker count and state directory take a restart.
    public func reload(_ next: DaemonConfig) {
        settings.withLock { c in
            let keep = (c.workers, c.stateDirectory, c.queueCapacity, c.workerCores)
            c = next
            (c.workers, c.stateDirectory, c.queueCapacity, c.workerCores) = keep
        }
        // Keys are re-read even when the config did not change: adding or removing a key file is a reload.
        store.setSignaturePolicy(Self.loadSignaturePolicy(next, logger: logger))
        // Sources whose table changed restart; the others keep running with their counters.
        sources.apply(next.sources)
        logger.info("configuration reloaded")
    }

    /// The trusted keys and the requirement of `config`, with every skipped key file logged by name.
    static func loadSignaturePolicy(_ config: DaemonConfig, logger: Logger) -> SignaturePolicy {
        let keyring = TrustedKeyring.load(directory: config.trustedKeysDirectory)
        for problem in keyring.problems { logger.error("trusted keys: \(problem)") }
        let policy = SignaturePolicy(keyring: keyring, requirement: config.requireSignature)
        let ids = keyring.keys.keys.sorted().joined(separator: ", ")
        let summary = "trusted keys: \(keyring.keys.count) in \(config.trustedKeysDirectory)\(ids.isEmpty ? "" : " (\(ids))"); "
            + "signatures \(policy.required ? "required" : "not required") (require_signature = \(config.requireSignature.rawValue))"
        logger.info("\(summary)")
        return policy
    }

    /// Reads the configuration again (set by the executable: from its config file and flags).
    private let configSource = Mutex<(@Sendable () throws -> DaemonConfig)?>(nil)

    public func setConfigSource(_ source: @escaping @Sendable () throws -> DaemonConfig) { configSource.withLock { $0 = source } }

    /// SIGHUP, ExecReload and POST /v1/reload end here.
    public func reloadFromDisk() throws(APIFailure) {
        guard let source = configSource.withLock({ $0 }) else {
            // No config file to re-read, but the trusted keys directory still is: adding or removing a key is a reload.
            store.setSignaturePolicy(Self.loadSignaturePolicy(config, logger: logger))
            return
        }
        do { reload(try source()) } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
            throw APIFailure(.badRequest, "reload failed, keeping the running configuration: \(error)")
        }
    }

    private let requestsInFlight = Atomic<Int>(0)
    private let stoppingFlag = Atomic<Bool>(false)

    /// HTTP requests whose head has arrived and whose response is not written yet (SIGTERM waits for them).
    public var inFlightRequests: Int { requestsInFlight.load(ordering: .acquiring) }
    func requestStarted() { requestsInFlight.add(1, ordering: .relaxed) }
    func requestFinished() { requestsInFlight.subtract(1, ordering: .releasing) }

    /// API connections that can send requests (event streams are not counted). With one, its event loop may wait for
    /// an inference's reply instead of sleeping (HTTPHandler, ReplyHandoff): no other client can be kept waiting.
    private let requestConnections = Atomic<Int>(0)
    var openRequestConnections: Int { requestConnections.load(ordering: .relaxed) }
    func requestConnectionOpened() { requestConnections.add(1, ordering: .relaxed) }
    func requestConnectionClosed() { requestConnections.subtract(1, ordering: .relaxed) }

    /// Accepted connections that have not sent a request head yet (the drain waits briefly for them).
    private let awaitingRequest = Atomic<Int>(0)
    var connectionsAwaitingRequest: Int { awaitingRequest.load(ordering: .acquiring) }
    func connectionAccepted() { awaitingRequest.add(1, ordering: .relaxed) }
    func connectionSentFirstRequest() { awaitingRequest.subtract(1, ordering: .releasing) }

    /// True once a drain began: responses then carry `connection: close`.
    public var isStopping: Bool { stoppingFlag.load(ordering: .acquiring) }

    /// Graceful stop (SIGTERM), after the caller closed the listening socket: every request already received gets
    /// its answer written (waiting at most `timeout`), then the scheduler finishes whatever is left.
    /// - Returns: the number of requests still unanswered (0 unless the timeout passed).
    @discardableResult
    public func drain(timeout: Duration) -> Int {
        stoppingFlag.store(true, ordering: .releasing)
        let now = ContinuousClock.now
        let end = now + timeout
        // A connection accepted just before the listener closed usually has its request on the way: exiting under it
        // resets the client (a burst across `systemctl stop` lost requests that way). It gets a second to send one.
        let firstRequestGrace = min(now + .seconds(1), end)
        while ContinuousClock.now < end
                && (inFlightRequests > 0 || (connectionsAwaitingRequest > 0 && ContinuousClock.now < firstRequestGrace)) {
            usleep(2000)
        }
        scheduler.drain()
        return inFlightRequests
    }

    public var ready: Bool {
        get { isReady.load(ordering: .acquiring) }
    }
    public func markReady() { isReady.store(true, ordering: .releasing) }

    public func health() -> Health {
        Health(live: true, ready: ready, models: store.modelCount, uptimeSeconds: (.now - started).seconds, version: Self.version)
    }

    /// Queues and runs one inference; `completion` is called once, on a worker thread or right away. Decoding and
    /// preprocessing run in the worker job (timed as `preprocess_us`), never on the caller's thread, which is an
    /// event loop for HTTP requests.
    /// `delivery` says whether the answer also goes to /v1/events and the GPIO result lines (a live source's choice).
    public func infer(_ request: InferenceRequest, delivery: ResultDelivery = .everywhere,
                      completion: @escaping @Sendable (Result<InferResponse, APIFailure>) -> Void) {
        let arrived = ContinuousClock.now
        let name = request.model
        let serving: ServingModel
        do { serving = try store.serving(name, version: request.version) } catch {
            completion(.failure(error))
            return
        }
        let cfg = config
        let k = min(max(request.options.topK ?? cfg.defaultTopK, 1), max(serving.model.outputCount, 1))
        let deadline = Duration.milliseconds(cfg.deadlineMillis)
        // The answer is handed over after the worker counts as free (Scheduler.submit(_:then:)).
        let accepted = scheduler.submit({ [self] waited -> Result<InferResponse, APIFailure> in
            guard waited < deadline else {
                stats.recordError(model: name)
                return .failure(APIFailure(.deadlineExceeded, "waited \(waited.wholeMicroseconds / 1000) ms in the queue, past the \(cfg.deadlineMillis) ms deadline"))
            }
            let prepStart = ContinuousClock.now
            let prepared: [Float]
            do {
                let decoded = try request.input.decode(modelShape: serving.model.metadata.input.shape)
                prepared = try serving.preparer.prepare(decoded)
            } catch let failure as APIFailure {
                stats.recordError(model: name)
                return .failure(failure)
            } catch {
                stats.recordError(model: name)
                return .failure(APIFailure(.badInput, "\(error)"))
            }
            let computeStart = ContinuousClock.now
            let scores: [Float]
            do {
                scores = try serving.withEngine { engine in
                    if let board { try board.aroundCompute { try engine.run(prepared) } } else { try engine.run(prepared) }
                }
            } catch {
                stats.recordError(model: name)
                return .failure(APIFailure(.badInput, "\(error)"))
            }
            let computeEnd = ContinuousClock.now
            let (energy, boardState) = board?.telemetry(from: computeStart, to: computeEnd) ?? (nil, nil)
            let metadata = serving.model.metadata
            let top = QInferEngine.topK(scores, k: k).map { Prediction(index: $0.index, label: metadata.label(at: $0.index), score: $0.score) }
            let telemetry = Telemetry(queueMicros: waited.wholeMicroseconds, preprocessMicros: (computeStart - prepStart).wholeMicroseconds,
                                      computeMicros: (computeEnd - computeStart).wholeMicroseconds,
                                      totalMicros: (ContinuousClock.now - arrived).wholeMicroseconds, energy: energy, board: boardState)
            let response = InferResponse(model: name, version: serving.version, top: top,
                                         outputs: request.options.includeOutputs ? scores : nil, telemetry: telemetry)
            stats.recordSuccess(model: name, version: serving.version, telemetry: response.telemetry)
            if delivery.gpio { board?.completed(response) }
            if delivery.events, events.count > 0 {
                var event = response
                event.source = delivery.source
                if let line = event.jsonBytes() { events.publish(line) }
            }
            return .success(response)
        }, then: completion)
        if !accepted {
            stats.recordRejected()
            completion(.failure(APIFailure(.overloaded, "the queue is full (\(scheduler.capacity) requests waiting); retry shortly")))
        }
    }
}

enum JSONCoder {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try e.encode(value)
    }
}
