import Logging
import NIOPosix
import QInferProtocol
import Synchronization

/// The daemon's live sources: started after READY, reconciled with the configuration on every reload (a changed or
/// new table starts its source, an unchanged one keeps running with its counters, a removed one stops), and stopped
/// on SIGTERM before the drain.
public final class LiveSources: Sendable {
    /// Binds a listening AF_UNIX socket at a path with a mode and group, returning its descriptor. Supplied by the
    /// executable (qinferd's binder is QInferBoard's, which the daemon does not link).
    public typealias SocketBinder = @Sendable (_ path: String, _ mode: UInt32, _ group: String?) throws -> Int32
    /// Builds the sensor of a kind the daemon does not implement itself (a camera).
    public typealias Factory = @Sendable (SourceConfig) throws(SourceFailure) -> any FrameSource

    private struct State {
        var runners: [SourceRunner] = []
        var started: (daemon: Daemon, binder: SocketBinder)?
        var factories: [String: Factory] = [:]
    }

    private let state = Mutex(State())
    /// One event loop for every socket source's connections: frames are small and decoding them is cheap.
    private let loops = Mutex<MultiThreadedEventLoopGroup?>(nil)

    public init() {}

    public func register(kind: String, _ factory: @escaping Factory) { state.withLock { $0.factories[kind] = factory } }

    /// Starts the configured sources; later calls to ``apply(_:)`` (reloads) reconcile against them.
    public func start(daemon: Daemon, binder: @escaping SocketBinder) {
        state.withLock { $0.started = (daemon, binder) }
        apply(daemon.config.sources)
    }

    /// Reconciles the running sources with `configs`; nothing happens before ``start(daemon:binder:)``.
    public func apply(_ configs: [SourceConfig]) {
        let (stopping, starting) = state.withLock { s -> ([SourceRunner], [SourceRunner]) in
            guard let (daemon, binder) = s.started else { return ([], []) }
            var kept: [SourceRunner] = [], starting: [SourceRunner] = []
            let old = Dictionary(s.runners.map { ($0.config.name, $0) }, uniquingKeysWith: { a, _ in a })
            for config in configs {
                if let runner = old[config.name], runner.config == config {
                    kept.append(runner)
                } else {
                    let factory = s.factories[config.input.kind]
                    let runner = SourceRunner(config: config, daemon: daemon) { () throws(SourceFailure) -> any FrameSource in
                        try self.makeSource(config, daemon: daemon, binder: binder, factory: factory)
                    }
                    kept.append(runner)
                    starting.append(runner)
                }
            }
            let keptIDs = Set(kept.map(ObjectIdentifier.init))
            let stopping = s.runners.filter { !keptIDs.contains(ObjectIdentifier($0)) }
            s.runners = kept
            return (stopping, starting)
        }
        for runner in stopping { runner.stop() }
        for runner in starting { runner.start() }
    }

    /// Stops every source (SIGTERM, before the drain): sensors close, pending frames are dropped.
    public func stop() {
        let runners = state.withLock { s -> [SourceRunner] in
            s.started = nil
            return s.runners
        }
        for runner in runners { runner.stop() }
    }

    public func list() -> SourceList {
        SourceList(sources: state.withLock { $0.runners }.map { $0.status() })
    }

    private func makeSource(_ config: SourceConfig, daemon: Daemon, binder: @escaping SocketBinder,
                            factory: Factory?) throws(SourceFailure) -> any FrameSource {
        // A kind the daemon does not build itself (a camera) comes from its registered factory.
        if let factory { return try factory(config) }
        let maxBytes = daemon.config.maxBodyBytes
        switch config.input {
        case .pointCloudSocket(let socket):
            let group = loops.withLock { g in
                if let g { return g }
                let made = MultiThreadedEventLoopGroup(numberOfThreads: 1)
                g = made
                return made
            }
            return PointCloudSocketSource(socket: socket, maxFrameBytes: maxBytes, group: group, binder: binder)
        case .directory(let path):
            return DirectorySource(path: path, maxFileBytes: maxBytes)
        case .camera:
            // Only reachable by an executable that parses camera tables without registering their factory.
            throw SourceFailure("camera sources are not available in this build (no camera factory registered)")
        }
    }
}
