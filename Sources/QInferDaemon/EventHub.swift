import NIOCore
import NIOHTTP1
import Synchronization

/// Subscribers of GET /v1/events: each gets one JSON line per inference. A subscriber that cannot keep up misses
/// lines instead of slowing inference down.
public final class EventHub: Sendable {
    private let subscribers = Mutex<[ObjectIdentifier: Channel]>([:])

    public init() {}

    func add(_ channel: Channel) {
        subscribers.withLock { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in self?.remove(channel) }
    }

    func remove(_ channel: Channel) { _ = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }

    public var count: Int { subscribers.withLock { $0.count } }

    func publish(_ line: [UInt8]) {
        for channel in subscribers.withLock({ Array($0.values) }) where channel.isWritable {
            var buffer = channel.allocator.buffer(capacity: line.count + 1)
            buffer.writeBytes(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
    }
}
