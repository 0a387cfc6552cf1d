import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The one connection a client reuses for its requests, one after another: a command that asks several things (push
/// with --verify, top) then costs one connection — one ssh session over SshTransport. Reopened when qinferd has
/// closed it (an answer with `connection: close`, an idle timeout); a request already sent is never sent again.
final class KeepAliveConnection: Sendable {
    private let transport: any DaemonTransport
    private struct Open: Sendable {
        let channel: Channel
        let handler: NIOLoopBound<KeepAliveHandler>
    }
    private let current = Mutex<Open?>(nil)

    init(transport: any DaemonTransport) { self.transport = transport }

    /// Sends `request` and waits for its answer. Requests from several threads take turns.
    func send(_ request: DaemonRequest) throws(ClientError) -> DaemonResponse {
        try current.withLock { (open: inout Open?) throws(ClientError) -> DaemonResponse in
            if let channel = open?.channel, !channel.isActive { open = nil }
            let connection: Open
            if let open { connection = open } else { connection = try connect() }
            open = connection
            let loop = connection.channel.eventLoop
            let answer = loop.makePromise(of: DaemonResponse.self)
            loop.execute {
                connection.handler.value.expect(answer)
                request.write(to: connection.channel, closing: false)
            }
            let response: DaemonResponse
            do { response = try answer.futureResult.wait() } catch {
                open = nil
                connection.channel.close(promise: nil)
                throw error as? ClientError ?? ClientError("the connection to qinferd at \(transport.endpoint) failed: \(error)")
            }
            if response.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
                open = nil
                connection.channel.close(promise: nil)
            }
            return response
        }
    }

    /// Closes the connection (the next request would open another).
    func close() {
        let channel = current.withLock { open -> Channel? in
            defer { open = nil }
            return open?.channel
        }
        try? channel?.close().wait()
    }

    private func connect() throws(ClientError) -> Open {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let endpoint = transport.endpoint
        // The handler is kept from the moment it is added, not looked up in the pipeline afterwards: a connection can
        // be over by then (an ssh that fails at once closes its channel), and the handler holds why.
        let added = loop.makePromise(of: NIOLoopBound<KeepAliveHandler>.self)
        let opened = transport.connect(on: loop) { channel in
            channel.eventLoop.makeCompletedFuture {
                let handler = KeepAliveHandler(endpoint: endpoint)
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(handler)
                added.succeed(NIOLoopBound(handler, eventLoop: channel.eventLoop))
            }
        }
        opened.whenFailure { added.fail($0) }
        do {
            let channel = try opened.wait()
            let handler = try added.futureResult.wait()
            return Open(channel: channel, handler: handler)
        } catch {
            throw error as? ClientError ?? ClientError("cannot connect to qinferd at \(endpoint): \(error)")
        }
    }
}
