#if os(Linux)
import CSystemd
import Glibc
import Logging

/// A swift-log handler that writes structured journal entries through sd_journal_sendv(3).
///
/// Each entry carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE/CODE_LINE/CODE_FUNC, LOGGER (the logger's
/// label), ERROR when the event has one, and every metadata key as its own field (see
/// ``JournalFields/name(forMetadataKey:)``), so `journalctl -u qinferd MODEL=irnet` filters on it.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    public let identifier: String

    public init(label: String, identifier: String = "qinferd", metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = self.fields(for: event)
        let result = Self.send(fields)
        if result < 0 {
            // The journal refused the entry (journald not running returns 0, so this is rare): keep the line.
            let line = "\(label): \(event.message) (journal write failed: \(errnoText(-result)))\n"
            _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        }
    }

    /// The entry's fields as "NAME=value" strings, in the order they are sent.
    func fields(for event: LogEvent) -> [String] {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(JournalFields.priority(for: event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "LOGGER=\(label)",
        ]
        if let error = event.error { fields.append("ERROR=\(error)") }
        let merged = mergedMetadata(metadata, provider: metadataProvider, event: event.metadata)
        for key in merged.keys.sorted() {
            guard let name = JournalFields.name(forMetadataKey: key) else { continue }
            fields.append("\(name)=\(merged[key]!)")
        }
        return fields
    }

    /// One iovec per field over a single buffer; values may hold newlines or any bytes, which sendv passes as is.
    static func send(_ fields: [String]) -> Int32 {
        var buffer: [UInt8] = []
        var ranges: [(offset: Int, count: Int)] = []
        for field in fields {
            ranges.append((buffer.count, field.utf8.count))
            buffer.append(contentsOf: field.utf8)
        }
        return buffer.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 0 }
            let vectors = ranges.map { iovec(iov_base: base + $0.offset, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
#endif
