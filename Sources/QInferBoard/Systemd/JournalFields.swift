import Logging

/// The journal's rules for field names and priorities, as sd_journal_sendv(3) and systemd.journal-fields(7) state.
public enum JournalFields {
    /// Fields JournalLogHandler writes itself; metadata that would map onto one of them is renamed X_<NAME>.
    public static let reserved: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER", "ERROR",
    ]
    /// journald ignores longer field names.
    public static let maximumNameLength = 64

    /// A metadata key as a journal field name: upper-cased, every character outside [A-Z0-9_] replaced by "_",
    /// leading underscores dropped (those name trusted fields journald sets itself, which a client must not forge),
    /// "X_" prepended when it would start with a digit or shadow a field the handler writes, cut to 64 bytes.
    /// nil when nothing usable remains (e.g. "", "___").
    public static func name(forMetadataKey key: String) -> String? {
        var name = String(
            key.uppercased().unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "A"..."Z", "0"..."9", "_": Character(scalar)
                default: "_"
                }
            })
        name = String(name.drop { $0 == "_" })
        guard !name.isEmpty else { return nil }
        if name.first!.isNumber || reserved.contains(name) { name = "X_" + name }
        return String(name.prefix(maximumNameLength))
    }

    /// swift-log levels as syslog priorities (LOG_DEBUG 7 … LOG_CRIT 2); trace has no syslog level of its own.
    public static func priority(for level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
