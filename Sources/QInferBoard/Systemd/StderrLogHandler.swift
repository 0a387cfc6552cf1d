#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Plain log lines for a terminal or a file, used when stderr is not the journal:
/// `2025-11-29T09:12:03.123Z info qinferd.server: model loaded model=irnet version=3`.
///
/// Time is UTC with milliseconds; metadata is sorted by key; a value with spaces, quotes, `=` or control characters
/// is double-quoted with backslash escapes, and newlines in the message are escaped, so one entry is one line.
/// Each line is a single write(2), so lines from concurrent threads never interleave.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    /// Where lines go: 2 (stderr) unless a test or tool passes another descriptor.
    public let fd: Int32

    public init(label: String, fd: Int32 = 2, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.fd = fd
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = mergedMetadata(metadata, provider: metadataProvider, event: event.metadata)
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        let line = Self.format(time: Self.now(), level: event.level, label: label, message: "\(event.message)",
                               metadata: merged)
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// `time level label: message key=value …` without the newline.
    public static func format(time: String, level: Logger.Level, label: String, message: String,
                              metadata: Logger.Metadata) -> String {
        var line = "\(time) \(level.rawValue) \(label): \(escapeNewlines(message))"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoteIfNeeded("\(metadata[key]!)"))"
        }
        return line
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains {
            $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F
        }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    static func escapeNewlines(_ message: String) -> String {
        guard message.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return message }
        return message.replacingAll("\r\n", "\\n").replacingAll("\n", "\\n").replacingAll("\r", "\\r")
    }

    /// UTC ISO 8601 with milliseconds, from clock_gettime (no Foundation formatter on the logging path).
    static func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let millis = Int32(now.tv_nsec / 1_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(millis, 3))Z"
    }
}

extension String {
    /// Replaces every occurrence of `target` (which must not be empty) without Foundation.
    fileprivate func replacingAll(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
