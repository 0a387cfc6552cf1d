import Foundation
import Glibc
import Logging
@testable import QInferBoard
import QInferTestSupport
import Testing

let journaldSocket = "/run/systemd/journal/socket"

/// Whether a journald receives on its native socket (a socket file left behind by a stopped one refuses).
func journaldListens() -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return withUnixAddress(journaldSocket) { connect(fd, $0, $1) } == 0
}

/// Whether journalctl could show system entries to us: root, or a member of the group that may read the
/// machine's journal directory (systemd-journal, adm).
func systemJournalReadable() -> Bool {
    guard let machineID = try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8) else { return false }
    let id = machineID.trimmingCharacters(in: .whitespacesAndNewlines)
    return ["/run/log/journal/", "/var/log/journal/"].contains { access($0 + id, R_OK | X_OK) == 0 }
}

@Suite struct JournalLogHandlerTests {
    @Test("an entry's fields: message, priority, identifier, code location, logger, error, sanitized metadata")
    func fields() {
        var handler = JournalLogHandler(label: "qinferd.store", identifier: "qinferd")
        handler.metadata = ["model": "irnet", "message": "shadow"]
        let event = LogEvent(level: .warning, message: "model quarantined", error: TestFailure("bad checksum"),
                             metadata: ["model": "bipointnet", "queue-depth": "3", "_PID": "1"], source: nil,
                             file: "QInferd/ModelStore.swift", function: "load()", line: 42)
        #expect(handler.fields(for: event) == [
            "MESSAGE=model quarantined", "PRIORITY=4", "SYSLOG_IDENTIFIER=qinferd", "CODE_FILE=QInferd/ModelStore.swift",
            "CODE_LINE=42", "CODE_FUNC=load()", "LOGGER=qinferd.store", "ERROR=bad checksum", "PID=1",
            "X_MESSAGE=shadow", "MODEL=bipointnet", "QUEUE_DEPTH=3",
        ])
    }

    /// Only where a journald really listens (not in a container without systemd): the entry is read back with
    /// journalctl, fields and all.
    @Test("entries reach journald and read back with journalctl",
          .enabled(if: journaldListens() && systemJournalReadable() && access("/usr/bin/journalctl", X_OK) == 0,
                   "no journald listens on \(journaldSocket) here, or its journal is not readable to this user"))
    func realJournal() throws {
        let id = "qb\(getpid())x\(monotonicMicroseconds())"
        var handler = JournalLogHandler(label: "qinferd.test")
        handler.logLevel = .debug
        let logger = Logger(label: "qinferd.test") { _ in handler }
        logger.notice("journal round trip\nsecond line", metadata: ["qinferd_test_id": .string(id), "model": "irnet"])

        var exported = ""
        for _ in 0..<50 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
            process.arguments = ["--no-pager", "-o", "json", "QINFERD_TEST_ID=\(id)"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            exported = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if !exported.isEmpty { break }
            usleep(100_000)
        }
        let line = try #require(exported.split(separator: "\n").first, "journalctl found no entry with id \(id)")
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(text(entry["MESSAGE"]) == "journal round trip\nsecond line")
        #expect(entry["PRIORITY"] as? String == "5")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "qinferd")
        #expect(entry["MODEL"] as? String == "irnet")
        #expect(entry["LOGGER"] as? String == "qinferd.test")
        #expect((entry["CODE_FILE"] as? String)?.hasSuffix("JournalLogHandlerTests.swift") == true)
        #expect(entry["CODE_FUNC"] as? String == "realJournal()")
    }
}

/// journalctl's JSON gives a field as a string, or as an array of bytes when it holds unprintable characters.
private func text(_ value: Any?) -> String? {
    if let string = value as? String { return string }
    if let bytes = value as? [Int] { return String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) }
    return nil
}
