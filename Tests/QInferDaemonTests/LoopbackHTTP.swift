import Foundation
import Glibc
import QInferTestSupport

struct HTTPReply {
    let status: Int
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The API's error body's code, nil when the body is not one.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let error = object["error"] as? [String: Any], error["status"] as? Int == status else { return nil }
        return error["code"] as? String
    }
}

/// One blocking client connection (TCP loopback or AF_UNIX) with a receive timeout, for the in-process servers.
final class TestConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: UInt16, timeout: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        try connectAndLimit(&address, timeout: timeout)
    }

    init(unixPath path: String, timeout: Int = 10) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        try connectAndLimit(&address, timeout: timeout)
    }

    private func connectAndLimit<A>(_ address: inout A, timeout: Int) throws {
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<A>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw TestFailure("connect: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send: errno \(errno)") }
            sent += n
        }
    }

    /// `method path` with Host, an optional body and `Connection: close` unless `keepAlive`.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
                 keepAlive: Bool = false) throws -> HTTPReply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        if !keepAlive { head += "Connection: close\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try readResponse(hasBody: method != "HEAD")
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n > 0 { buffer += chunk[..<n]; return true }
        if n == 0 || errno == ECONNRESET { return false }
        throw TestFailure("recv: \(errno == EAGAIN ? "timed out" : "errno \(errno)")")
    }

    /// The next response; `hasBody` false for the answer to HEAD, whose content-length describes a body not sent.
    func readResponse(hasBody: Bool = true) throws -> HTTPReply {
        var end: Int?
        while true {
            end = buffer.indices.dropLast(3).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }
            if end != nil { break }
            guard try fill() else { throw TestFailure("connection closed before a response head (\(buffer.count) bytes)") }
        }
        let lines = String(decoding: buffer[..<end!], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeFirst(end! + 4)
        let parts = lines[0].split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("not a status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw TestFailure("bad header: \(line)") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard hasBody else { return HTTPReply(status: status, headers: headers, body: []) }
        guard let length = headers["content-length"].flatMap(Int.init) else { throw TestFailure("no content-length: \(headers)") }
        while buffer.count < length {
            guard try fill() else { throw TestFailure("connection closed after \(buffer.count) of \(length) body bytes") }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return HTTPReply(status: status, headers: headers, body: body)
    }

    /// Whether the server closed the connection (EOF) within `seconds`.
    func closedByPeer(within seconds: Double) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(seconds * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK))
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }
}
