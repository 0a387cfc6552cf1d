// The API in-process on a real Unix socket (HTTPServer + HTTPHandler + Router.api), for the /v2 and OpenAPI tests:
// requests go through the same parsing, routing and error writing as qinferd's, without spawning it.
import Foundation
import Glibc
import Logging
import QInferDaemon
import QInferInputFormats
import QInferTestSupport

/// A daemon whose store holds the shipped IR-Net and BiPointNet (v1, active) and a random point net `pn` with two
/// versions whose scores differ (v1 active, v2 not), served on a Unix socket in a fresh directory.
final class APIServer {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let randomPoints = 64

    let directory: TemporaryDirectory
    let daemon: Daemon
    let server: HTTPServer
    let socket: String

    init(ready: Bool = true) throws {
        directory = try TemporaryDirectory()
        var settings = DaemonConfig()
        settings.stateDirectory = directory.path + "/state"
        settings.embeddedModelDirectories = []
        settings.workers = 2
        daemon = try Daemon(config: settings, logger: Logger(label: "test"))
        for name in ["irnet", "bipointnet"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.repository)/models/\(name)/\(name).qpack")))
            _ = try daemon.store.install(name: name, version: "1", bytes: bytes, activate: true)
        }
        let widths = [32, 64, 65]
        _ = try daemon.store.install(name: "pn", version: "1", bytes: try randomPointNet(seed: 101, points: Self.randomPoints, widths: widths, classes: 6),
                                     activate: true)
        _ = try daemon.store.install(name: "pn", version: "2", bytes: try randomPointNet(seed: 202, points: Self.randomPoints, widths: widths, classes: 6),
                                     activate: false)
        if ready { daemon.markReady() }
        socket = directory.path + "/api.sock"
        server = try HTTPServer(daemon: daemon, listeningSocket: try Self.listen(socket))
    }

    deinit {
        try? server.close()
        daemon.drain(timeout: .seconds(5))
        directory.remove()
    }

    /// A bound, listening AF_UNIX socket at `path`, as socket activation would hand qinferd one. Not QInferBoard's
    /// UnixSocketBinder: it narrows the process-wide umask while binding, which tests running in parallel would feel.
    static func listen(_ path: String) throws -> Int32 {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TestFailure("socket path \(path) is too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        guard bound, Glibc.listen(fd, 64) == 0 else {
            close(fd)
            throw TestFailure("bind/listen \(path): errno \(errno)")
        }
        return fd
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> HTTPReply {
        try TestConnection(unixPath: socket, timeout: 30).request(method, path, headers: headers, body: body)
    }

    func get(_ path: String) throws -> HTTPReply { try request("GET", path) }

    /// POST of a JSON value (a dictionary or array built in the test).
    func post(_ path: String, json: Any, headers: [String: String] = ["Content-Type": "application/json"]) throws -> HTTPReply {
        try request("POST", path, headers: headers, body: [UInt8](try JSONSerialization.data(withJSONObject: json)))
    }
}

extension HTTPReply {
    func json() throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestFailure("HTTP \(status) body is not a JSON object: \(text)")
        }
        return object
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(body)) } catch {
            throw TestFailure("HTTP \(status) body is not a \(T.self) (\(error)): \(text.prefix(600))")
        }
    }

    /// The Open Inference Protocol's error body `{"error": "…"}` (a string, and nothing else), nil when it is not one.
    var oipError: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], object.count == 1 else { return nil }
        return object["error"] as? String
    }
}

/// The shipped models' test sets (models/*/testset_*.npy), decoded once.
enum ShippedTestSets {
    static func npy(_ relative: String) throws -> Tensor {
        let path = "\(APIServer.repository)/models/\(relative)"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path) else { throw TestFailure("\(path) is not a tensor") }
        return t
    }

    static let irnetImages = try? npy("irnet/testset_images.npy")
    static let irnetLabels = try? npy("irnet/testset_labels.npy")
    static let clouds = try? npy("bipointnet/testset_points.npy")
    static let cloudLabels = try? npy("bipointnet/testset_labels.npy")

    /// Image `i` (28×28 u8 pixels) and its class index.
    static func irnet(_ i: Int) throws -> (pixels: [UInt8], label: Int) {
        guard let images = irnetImages, case .uint8(let all) = images.storage, images.shape.count == 3,
              let labels = irnetLabels, case .float32(let classes) = labels.storage, classes.indices.contains(i) else {
            throw TestFailure("models/irnet/testset_{images,labels}.npy did not load as u8 [n, 28, 28] and int labels")
        }
        let size = images.shape[1] * images.shape[2]
        return (Array(all[i * size ..< (i + 1) * size]), Int(classes[i]))
    }

    /// Cloud `i` (1024 xyz points, f32) and its class index.
    static func cloud(_ i: Int) throws -> (points: [Float], label: Int) {
        guard let clouds, case .float32(let all) = clouds.storage, clouds.shape.count == 3,
              let cloudLabels, case .float32(let classes) = cloudLabels.storage, classes.indices.contains(i) else {
            throw TestFailure("models/bipointnet/testset_{points,labels}.npy did not load as f32 [n, 1024, 3] and int labels")
        }
        let size = clouds.shape[1] * clouds.shape[2]
        return (Array(all[i * size ..< (i + 1) * size]), Int(classes[i]))
    }

    static func labels(_ model: String) throws -> [String] {
        try String(contentsOfFile: "\(APIServer.repository)/models/\(model)/labels.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }
}
