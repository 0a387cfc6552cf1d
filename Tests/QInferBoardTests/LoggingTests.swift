import Glibc
import Logging
import QInferBoard
import Testing

@Suite struct JournalFieldTests {
    @Test("metadata keys become journal field names: upper case, [A-Z0-9_], no leading _ or digit",
          arguments: [
              ("model", "MODEL"),
              ("request.id", "REQUEST_ID"),
              ("queue-µs", "QUEUE__S"),
              ("Model Version", "MODEL_VERSION"),
              ("_PID", "PID"),
              ("__SYSTEMD_UNIT", "SYSTEMD_UNIT"),
              ("9lives", "X_9LIVES"),
              ("_2", "X_2"),
              ("message", "X_MESSAGE"),
              ("priority", "X_PRIORITY"),
              ("code_file", "X_CODE_FILE"),
              ("syslog.identifier", "X_SYSLOG_IDENTIFIER"),
              ("message_id", "MESSAGE_ID"),
              ("errno", "ERRNO"),
          ])
    func names(key: String, expected: String) {
        #expect(JournalFields.name(forMetadataKey: key) == expected)
    }

    @Test("keys with nothing usable are dropped; names are cut to 64 bytes")
    func degenerate() {
        #expect(JournalFields.name(forMetadataKey: "") == nil)
        #expect(JournalFields.name(forMetadataKey: "___") == nil)
        #expect(JournalFields.name(forMetadataKey: String(repeating: "a", count: 100)) == String(repeating: "A", count: 64))
        for key in ["x", "a.b-c", "9", "message", "ÄÖÜ", "__x__"] {
            let name = JournalFields.name(forMetadataKey: key)
            #expect(name.map { $0.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" } } ?? true)
            #expect(name.map { !$0.hasPrefix("_") && !$0.first!.isNumber } ?? true)
        }
    }

    @Test("swift-log levels map to syslog priorities")
    func priorities() {
        let expected: [Logger.Level: Int] = [.trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3,
                                             .critical: 2]
        for level in Logger.Level.allCases { #expect(JournalFields.priority(for: level) == expected[level]) }
    }
}

@Suite struct StderrLogTests {
    @Test("format: time level label: message key=value, sorted keys, values quoted when needed")
    func format() {
        let line = StderrLogHandler.format(
            time: "2025-11-29T09:12:03.123Z", level: .warning, label: "qinferd.store", message: "model quarantined",
            metadata: ["path": "/var/lib/qinferd/models/a b.qpack", "model": "irnet", "empty": "", "quote": "say \"hi\"",
                       "reason": "checksum\nmismatch"])
        #expect(line == "2025-11-29T09:12:03.123Z warning qinferd.store: model quarantined empty=\"\" model=irnet "
                    + "path=\"/var/lib/qinferd/models/a b.qpack\" quote=\"say \\\"hi\\\"\" reason=\"checksum\\nmismatch\"")
    }

    @Test("lines written through a pipe: one line per entry, handler and call metadata merged")
    func throughPipe() throws {
        var fds: [Int32] = [0, 0]
        try makePipe(&fds)
        var handler = StderrLogHandler(label: "qinferd.test", fd: fds[1])
        handler.logLevel = .debug
        var logger = Logger(label: "qinferd.test") { _ in handler }
        logger[metadataKey: "model"] = "bipointnet"
        logger.info("served", metadata: ["version": "2", "model": "irnet"])
        logger.debug("first\nsecond")
        logger.trace("not shown")
        close(fds[1])
        let output = readAll(fds[0])
        close(fds[0])
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 3 && lines.last == "", "\(lines)")
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (.*)$/#
        let first = try #require(try pattern.wholeMatch(in: lines[0]), "\(lines[0])")
        #expect(first.1 == "info qinferd.test: served model=irnet version=2")
        let second = try #require(try pattern.wholeMatch(in: lines[1]), "\(lines[1])")
        #expect(second.1 == "debug qinferd.test: first\\nsecond model=bipointnet")
    }
}

@Suite struct LoggingSetupTests {
    @Test("journal only when JOURNAL_STREAM names the very stream on stderr")
    func detection() throws {
        var fds: [Int32] = [0, 0]
        try makePipe(&fds)
        defer { close(fds[0]); close(fds[1]) }
        var info = stat()
        try #require(fstat(fds[1], &info) == 0)
        let stream = "\(info.st_dev):\(info.st_ino)"
        #expect(LoggingSetup.automaticDestination(journalStream: stream, stderrFD: fds[1]) == .journal)
        #expect(LoggingSetup.automaticDestination(journalStream: "\(info.st_dev):\(info.st_ino + 1)", stderrFD: fds[1])
                    == .stderr)
        #expect(LoggingSetup.automaticDestination(journalStream: nil, stderrFD: fds[1]) == .stderr)
        #expect(LoggingSetup.automaticDestination(journalStream: "garbage", stderrFD: fds[1]) == .stderr)
        #expect(LoggingSetup.automaticDestination(journalStream: stream, stderrFD: -1) == .stderr)
    }

    @Test("bootstrap in a child without JOURNAL_STREAM logs plain lines on stderr")
    func bootstrapStderr() throws {
        let result = try ChildProcess.spawn([try probePath(), "log"], environment: [:]).finish()
        #expect(result.status == 0)
        #expect(result.stdout == "destination=stderr\n")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (.*)$/#
        #expect(try pattern.wholeMatch(in: lines[0])?.1
                    == "info qinferd.probe: model loaded model=irnet path=\"/var/lib/qinferd/models/irnet 3.qpack\" "
                    + "version=3")
        #expect(try pattern.wholeMatch(in: lines[1])?.1 == "debug qinferd.probe: two\\nlines model=irnet")
    }

    @Test("bootstrap in a child whose stderr matches JOURNAL_STREAM picks the journal and writes nothing there")
    func bootstrapJournal() throws {
        var fds: [Int32] = [0, 0]
        try makePipe(&fds)
        var info = stat()
        try #require(fstat(fds[1], &info) == 0)
        let child = try ChildProcess.spawn([try probePath(), "log"],
                                           environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"],
                                           stderrFD: fds[1])
        close(fds[1])
        let stderrText = readAll(fds[0])
        close(fds[0])
        let result = child.finish()
        #expect(result.status == 0)
        #expect(result.stdout == "destination=journal\n")
        #expect(stderrText == "", "entries went to sd_journal_sendv, not stderr")
    }
}
