#if os(Linux)
import Glibc

/// A failure of the systemd glue, with a message naming what was wrong (path, fd, group, variable) and the errno text.
public struct SystemdError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    /// The errno behind the failure, when a system call or libsystemd reported one.
    public let errno: Int32?

    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    /// `message: <strerror(code)>`, keeping the code.
    static func system(_ message: String, errno code: Int32) -> SystemdError {
        SystemdError("\(message): \(errnoText(code))", errno: code)
    }

    public var description: String { message }
}

/// strerror_r's text for an errno value (strerror itself is not thread-safe).
func errnoText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    // Swift's Glibc module sees the XSI strerror_r: 0 on success, the text in the buffer.
    let result = buffer.withUnsafeMutableBufferPointer { strerror_r(code, $0.baseAddress!, $0.count) }
    guard result == 0 else { return "errno \(code)" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
#endif
