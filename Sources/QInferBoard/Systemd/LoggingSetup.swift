#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Where the daemon's log entries go.
public enum LogDestination: String, Sendable, CaseIterable {
    /// Structured entries through sd_journal_sendv (Linux only).
    case journal
    /// Plain lines on stderr (``StderrLogHandler``).
    case stderr
}

/// Picks the log backend once at start-up and bootstraps swift-log with it.
public enum LoggingSetup {
    /// journald when stderr is connected to the journal, else stderr.
    ///
    /// Per systemd.exec(5), `$JOURNAL_STREAM` holds "device:inode" of the journal stream; it only counts when it
    /// still matches fd 2, since a service may run a child whose stderr was redirected but which inherited the
    /// variable.
    public static func automaticDestination(journalStream: String? = environment("JOURNAL_STREAM"), stderrFD: Int32 = 2)
        -> LogDestination
    {
        #if os(Linux)
        return isJournalStream(journalStream, fd: stderrFD) ? .journal : .stderr
        #else
        return .stderr
        #endif
    }

    /// Whether `fd` is the stream `$JOURNAL_STREAM` ("device:inode", decimal) describes.
    public static func isJournalStream(_ journalStream: String?, fd: Int32) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// Bootstraps swift-log (once per process, as swift-log requires) and returns the destination used.
    ///
    /// - Parameters:
    ///   - destination: force one; nil picks ``automaticDestination(journalStream:stderrFD:)``.
    ///   - identifier: SYSLOG_IDENTIFIER of journal entries.
    ///   - metadataProvider: contextual metadata (e.g. a request id from a task-local) added to every entry.
    @discardableResult
    public static func bootstrap(level: Logger.Level = .info, identifier: String = "qinferd",
                                 destination: LogDestination? = nil,
                                 metadataProvider: Logger.MetadataProvider? = nil) -> LogDestination {
        let chosen = destination ?? automaticDestination()
        LoggingSystem.bootstrap(
            { label, provider in
                makeHandler(chosen, label: label, identifier: identifier, level: level, metadataProvider: provider)
            }, metadataProvider: metadataProvider)
        return chosen
    }

    /// The handler bootstrap installs, for callers that build loggers without the global bootstrap.
    public static func makeHandler(_ destination: LogDestination, label: String, identifier: String = "qinferd",
                                   level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil)
        -> any LogHandler
    {
        switch destination {
        case .journal:
            #if os(Linux)
            var handler = JournalLogHandler(label: label, identifier: identifier, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
            #else
            fallthrough
            #endif
        case .stderr:
            var handler = StderrLogHandler(label: label, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        }
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
