#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GPIO failure, with a message naming the chip (and the line's offset) and the reason from errno.
///
/// Start-up turns these into a refusal to start, so the text is what an operator reads in the journal:
/// "gpiochip9: cannot open /dev/gpiochip9: No such file or directory",
/// "gpiochip0 line 17: busy (requested by another consumer: \"pwr-led\")".
public struct GPIOError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The chip cannot be opened: missing, not a GPIO chip, no permission.
        case chipUnavailable
        /// The chip has no line at that offset.
        case noSuchLine
        /// Another consumer (another process, or another request of this one) holds the line.
        case busy
        /// The request was released; the handle is dead.
        case released
        /// Any other failure of a request, a write or a wait.
        case failed
    }

    public let kind: Kind
    /// The chip as the caller named it (name, path, label or number).
    public let chip: String
    /// The line, when the failure concerns one.
    public let offset: UInt32?
    /// The errno behind the failure, when the system reported one.
    public let errno: Int32?
    public let message: String

    public init(_ kind: Kind, chip: String, offset: UInt32? = nil, errno: Int32? = nil, message: String) {
        self.kind = kind
        self.chip = chip
        self.offset = offset
        self.errno = errno
        self.message = message
    }

    public var description: String { message }

    /// The chip could not be opened under `chip`; the message names the device path libgpiod tried last.
    public static func chipUnavailable(_ chip: String, errno code: Int32) -> GPIOError {
        let path = GPIOChipPath.devicePath(for: chip)
        let what: String
        switch GPIOChipPath.form(of: chip) {
        case .path: what = "cannot open \(path)"
        case .number, .name: what = "\(chip): cannot open \(path)"
        // libgpiod tried the label first; the error is the /dev fallback's.
        case .labelOrName: what = "\(chip): no GPIO chip has this label, and cannot open \(path)"
        }
        return GPIOError(.chipUnavailable, chip: chip, errno: code,
                         message: "\(what): \(errnoText(code))\(hint(for: code))")
    }

    public static func noSuchLine(_ line: GPIOLineAddress, lineCount: Int?) -> GPIOError {
        let count = lineCount.map { " (the chip has \($0) lines, offsets 0…\(max($0 - 1, 0)))" } ?? ""
        return GPIOError(.noSuchLine, chip: line.chip, offset: line.offset, errno: EINVAL,
                         message: "\(line): no such line\(count)")
    }

    /// `holder` is the other request's consumer label when the kernel reports one.
    public static func busy(_ line: GPIOLineAddress, holder: String?) -> GPIOError {
        let by = holder.map { "another consumer: \"\($0)\"" } ?? "another consumer"
        return GPIOError(.busy, chip: line.chip, offset: line.offset, errno: EBUSY, message: "\(line): busy (requested by \(by))")
    }

    public static func released(_ line: GPIOLineAddress) -> GPIOError {
        GPIOError(.released, chip: line.chip, offset: line.offset, message: "\(line): the request was already released")
    }

    /// "`line`: `action`: <strerror(code)>".
    public static func failed(_ line: GPIOLineAddress, _ action: String, errno code: Int32) -> GPIOError {
        GPIOError(.failed, chip: line.chip, offset: line.offset, errno: code,
                  message: "\(line): \(action): \(errnoText(code))\(hint(for: code))")
    }

    /// What an operator most likely has to do about the two errors strerror explains worst.
    static func hint(for code: Int32) -> String {
        switch code {
        case ENOTTY, ENODEV: " (not a GPIO chip character device)"
        case EACCES, EPERM: " (the daemon's user needs read-write access, e.g. through the gpio group)"
        default: ""
        }
    }

    /// strerror_r's text (strerror itself is not thread-safe; the Swift overlays see the XSI variant).
    static func errnoText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let result = buffer.withUnsafeMutableBufferPointer { strerror_r(code, $0.baseAddress!, $0.count) }
        guard result == 0 else { return "errno \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
