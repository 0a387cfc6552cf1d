#if canImport(Glibc)
import Foundation
import Glibc
import QInferProtocol
import QInferRandom
import QInferTestSupport
import Synchronization
import Testing
@testable import QInferDaemon

/// Bytes as read(2) returns them from an inotify descriptor: per event a `struct inotify_event` header (wd i32, mask
/// u32, cookie u32, len u32, host byte order) and `len` bytes of name padded with NULs, `len` rounded up as the kernel
/// does (to a multiple of the header's size, with at least one NUL); events without a name have len 0.
enum KernelInotify {
    /// `len`, when given, is written as is and followed by the name alone: a record the kernel would not write.
    static func record(wd: Int32 = 1, mask: Int32, cookie: UInt32 = 0, name: [UInt8] = [], len: UInt32? = nil) -> [UInt8] {
        let padded = name.isEmpty ? 0 : (name.count + 1 + 15) / 16 * 16
        var out: [UInt8] = []
        withUnsafeBytes(of: wd) { out += $0 }
        withUnsafeBytes(of: UInt32(bitPattern: mask)) { out += $0 }
        withUnsafeBytes(of: cookie) { out += $0 }
        withUnsafeBytes(of: len ?? UInt32(padded)) { out += $0 }
        return out + name + [UInt8](repeating: 0, count: len == nil ? padded - name.count : 0)
    }

    static func record(wd: Int32 = 1, mask: Int32, name: String) -> [UInt8] { record(wd: wd, mask: mask, name: Array(name.utf8)) }

    /// The kernel's queue-overflow event: on no watch (wd -1), no name.
    static let overflow = record(wd: -1, mask: IN_Q_OVERFLOW)
}

@Suite("inotify records: decoding the kernel's bytes and what each event means to a directory source")
struct InotifyEventsTests {
    @Test("records of several kinds in one read decode in order with their masks and names, padding stripped")
    func decodesRecords() {
        let bytes = KernelInotify.record(mask: IN_MOVED_TO, name: "cloud-1.npy")
            + KernelInotify.record(mask: IN_CLOSE_WRITE, name: "a-name-of-exactly-32-bytes-.ply!")
            + KernelInotify.overflow
            + KernelInotify.record(mask: IN_CREATE | IN_ISDIR, name: "sub")
            + KernelInotify.record(mask: IN_DELETE_SELF)
            + KernelInotify.record(mask: IN_IGNORED)
        #expect(KernelInotify.record(mask: IN_CLOSE_WRITE, name: "a-name-of-exactly-32-bytes-.ply!").count == 16 + 48,
                "a 32-byte name takes 48 bytes: at least one NUL, then up to the next 16")
        let (events, trailing) = InotifyEvents.decode(bytes)
        #expect(trailing == 0)
        #expect(events == [
            InotifyEvent(mask: UInt32(IN_MOVED_TO), name: Array("cloud-1.npy".utf8)),
            InotifyEvent(mask: UInt32(IN_CLOSE_WRITE), name: Array("a-name-of-exactly-32-bytes-.ply!".utf8)),
            InotifyEvent(mask: UInt32(IN_Q_OVERFLOW)),
            InotifyEvent(mask: UInt32(IN_CREATE | IN_ISDIR), name: Array("sub".utf8)),
            InotifyEvent(mask: UInt32(IN_DELETE_SELF)),
            InotifyEvent(mask: UInt32(IN_IGNORED)),
        ])
        #expect(InotifyEvents.headerSize == 16, "struct inotify_event is 16 bytes on every Linux ABI")
    }

    @Test("a name that fills its len without a NUL is read to the end of its record, not into the next")
    func nameWithoutTerminator() {
        let bytes = KernelInotify.record(mask: IN_MOVED_TO, name: Array("abcd.npy".utf8), len: 8)
            + KernelInotify.record(mask: IN_MOVED_TO, name: "next.npy")
        #expect(InotifyEvents.decode(bytes).events.map(\.name) == [Array("abcd.npy".utf8), Array("next.npy".utf8)])
    }

    @Test("the queue overflow record (wd -1, IN_Q_OVERFLOW, len 0) decodes alone and among others, and means overflow")
    func overflow() {
        let alone = InotifyEvents.decode(KernelInotify.overflow)
        #expect(KernelInotify.overflow.count == 16)
        #expect(alone.events == [InotifyEvent(mask: UInt32(IN_Q_OVERFLOW))] && alone.trailing == 0)
        let mixed = InotifyEvents.decode(KernelInotify.record(mask: IN_MOVED_TO, name: "a.npy") + KernelInotify.overflow
                                         + KernelInotify.record(mask: IN_MOVED_TO, name: "b.npy"))
        #expect(mixed.events.map { DirectoryEvent.classify($0, path: "/d") } == [.frame("a.npy"), .overflow, .frame("b.npy")])
    }

    @Test("a truncated buffer never traps: a short header, a len running past the end or near UInt32.max stop decoding there")
    func truncated() {
        let whole = KernelInotify.record(mask: IN_MOVED_TO, name: "a.npy")
        #expect(InotifyEvents.decode([UInt8]()).events.isEmpty && InotifyEvents.decode([UInt8]()).trailing == 0)
        let shortHeader = InotifyEvents.decode(whole + Array(whole.prefix(10)))
        #expect(shortHeader.events.count == 1 && shortHeader.trailing == 10)
        let pastEnd = InotifyEvents.decode(whole + KernelInotify.record(mask: IN_MOVED_TO, name: Array("b.npy".utf8), len: 4096))
        #expect(pastEnd.events.count == 1 && pastEnd.trailing == 21, "a record whose name runs past the read is not decoded")
        for len in [UInt32.max, UInt32.max - 15, UInt32(Int32.max), 6] {
            let huge = InotifyEvents.decode(KernelInotify.record(mask: IN_MOVED_TO, name: Array("c.npy".utf8), len: len))
            #expect(huge.events.isEmpty && huge.trailing == 21, "len \(len)")
        }
    }

    @Test("every prefix of a read decodes to a prefix of its events, and random bytes decode without trapping")
    func prefixesAndNoise() {
        let records = [KernelInotify.record(mask: IN_MOVED_TO, name: "first.npy"), KernelInotify.overflow,
                       KernelInotify.record(mask: IN_CLOSE_WRITE, name: "a-longer-name-than-sixteen.ply"),
                       KernelInotify.record(mask: IN_MOVE_SELF), KernelInotify.record(mask: IN_IGNORED)]
        let bytes = records.flatMap { $0 }
        let all = InotifyEvents.decode(bytes).events
        #expect(all.count == records.count)
        let ends = records.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let wrongCut = (0...bytes.count).first { cut in
            let (events, trailing) = InotifyEvents.decode(Array(bytes.prefix(cut)))
            let whole = ends.lastIndex { $0 <= cut } ?? 0
            return events != Array(all.prefix(whole)) || trailing != cut - ends[whole]
        }
        #expect(wrongCut == nil, "the first \(wrongCut ?? 0) of \(bytes.count) bytes decode to something else")
        var rng = SplitMix64(seed: 0x1B07)
        for _ in 0..<2000 {
            let noise = (0..<rng.int(0...200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let (events, trailing) = InotifyEvents.decode(noise)
            #expect(trailing >= 0 && trailing <= noise.count && events.count <= noise.count / 16)
        }
    }

    @Test("the directory's own events mean it is gone, each said; IN_ISDIR, were a kernel to add it, does not hide them")
    func directoryGone() {
        func meaning(_ mask: Int32) -> DirectoryEvent { DirectoryEvent.classify(InotifyEvent(mask: UInt32(mask)), path: "/srv/drop") }
        #expect(meaning(IN_DELETE_SELF) == .gone("the watched directory /srv/drop was removed"))
        #expect(meaning(IN_DELETE_SELF | IN_ISDIR) == .gone("the watched directory /srv/drop was removed"))
        #expect(meaning(IN_MOVE_SELF) == .gone("the watched directory /srv/drop was moved away"))
        #expect(meaning(IN_MOVE_SELF | IN_ISDIR) == .gone("the watched directory /srv/drop was moved away"))
        #expect(meaning(IN_UNMOUNT) == .gone("the file system holding the watched directory /srv/drop was unmounted"))
        #expect(meaning(IN_IGNORED) == .gone("the watch on the directory /srv/drop was dropped"))
        #expect(meaning(IN_Q_OVERFLOW) == .overflow)
    }

    @Test("files: finished frames by name; subdirectories, dot files, temporaries, other formats and nameless events are ignored")
    func files() {
        func meaning(_ mask: Int32, _ name: [UInt8]) -> DirectoryEvent {
            DirectoryEvent.classify(InotifyEvent(mask: UInt32(mask), name: name), path: "/d")
        }
        #expect(meaning(IN_MOVED_TO, Array("cloud.npy".utf8)) == .frame("cloud.npy"))
        #expect(meaning(IN_CLOSE_WRITE, Array("scan.ply".utf8)) == .frame("scan.ply"))
        #expect(meaning(IN_MOVED_TO, Array("req.json".utf8)) == .frame("req.json"))
        #expect(meaning(IN_MOVED_TO, Array("wolke-ü.npy".utf8)) == .frame("wolke-ü.npy"))
        #expect(meaning(IN_MOVED_TO | IN_ISDIR, Array("looks-like.npy".utf8)) == .ignored, "a directory renamed in")
        for name in [".staging.npy", "cloud.npy.tmp", "cloud.npy~", "notes.txt", "noextension"] {
            #expect(meaning(IN_MOVED_TO, Array(name.utf8)) == .ignored, "\(name)")
        }
        #expect(meaning(IN_MOVED_TO, []) == .ignored)
        #expect(meaning(IN_CREATE, Array("cloud.npy".utf8)) == .ignored, "not finished yet: only a rename or a close after writing is")
        let latin1 = Array("caf".utf8) + [0xE9] + Array(".npy".utf8)
        #expect(meaning(IN_MOVED_TO, latin1) == .unreadableName(latin1), "a frame's name that is not UTF-8 is reported")
        #expect(meaning(IN_MOVED_TO, [UInt8(ascii: ".")] + latin1) == .ignored, "a hidden one is not")
    }

    /// What a directory source told its sink.
    final class Recorder: Sendable {
        let calls = Mutex<[String]>([])
        var sink: FrameSink {
            FrameSink(deliver: { frame in
                          guard case .file(let format, let bytes, _) = frame else { return self.calls.withLock { $0.append("deliver ?") } }
                          self.calls.withLock { $0.append("deliver \(format.rawValue) \(bytes.count)") }
                      },
                      reject: { m in self.calls.withLock { $0.append("reject \(m)") } },
                      fail: { m in self.calls.withLock { $0.append("fail \(m)") } })
        }
    }

    @Test("a directory source reports an overflow and infers around it; once the directory is gone it stops, failing once")
    func sourceActsOnEvents() throws {
        let dir = try TemporaryDir()
        let npy = InputFileWriters.npy(shape: [4, 3], f32: [Float](repeating: 0.5, count: 12))
        for name in ["a.npy", "b.npy", "after.npy"] { try Data(npy).write(to: URL(fileURLWithPath: "\(dir.path)/\(name)")) }
        let source = DirectorySource(path: dir.path, maxFileBytes: 1 << 20)
        let recorder = Recorder()
        let first = KernelInotify.record(mask: IN_MOVED_TO, name: "a.npy") + KernelInotify.overflow
            + KernelInotify.record(mask: IN_CLOSE_WRITE, name: ".b.npy.part") + KernelInotify.record(mask: IN_CLOSE_WRITE, name: "b.npy")
        first.withUnsafeBytes { source.handle($0, recorder.sink) }
        #expect(recorder.calls.withLock { $0 } == [
            "deliver npy \(npy.count)",
            "reject inotify's queue overflowed: files written to \(dir.path) meanwhile were missed",
            "deliver npy \(npy.count)",
        ])
        recorder.calls.withLock { $0 = [] }
        // Removal as the kernel reports it: IN_DELETE_SELF, then IN_IGNORED for the dropped watch; nothing after the
        // first counts, so the runner hears of it once.
        let gone = KernelInotify.record(mask: IN_DELETE_SELF | IN_ISDIR) + KernelInotify.record(mask: IN_IGNORED)
            + KernelInotify.record(mask: IN_MOVED_TO, name: "after.npy")
        gone.withUnsafeBytes { source.handle($0, recorder.sink) }
        #expect(recorder.calls.withLock { $0 } == ["fail the watched directory \(dir.path) was removed"])
        recorder.calls.withLock { $0 = [] }
        let cut = KernelInotify.record(mask: IN_MOVED_TO, name: "a.npy") + KernelInotify.record(mask: IN_MOVED_TO, name: "b.npy").prefix(20)
        cut.withUnsafeBytes { source.handle($0, recorder.sink) }
        #expect(recorder.calls.withLock { $0 } == ["deliver npy \(npy.count)", "reject inotify returned 20 byte(s) that are no whole event; they were skipped"])
    }
}
#endif
