import Dispatch
import Foundation
import QInferInputFormats
import QInferProtocol
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A directory source: infers each file that is renamed into the directory (an atomic writer's last step) or closed
/// after writing in it (inotify IN_MOVED_TO, IN_CLOSE_WRITE). Dot files, editor and download temporaries and names
/// of no input format are ignored, so a writer may stage `.frame.tmp` beside its output. qinferd never deletes what
/// it read: the writer owns the directory's contents.
final class DirectorySource: FrameSource {
    let path: String
    let maxFileBytes: Int
    private let watch = Mutex<InotifyWatch?>(nil)
    private let queue: DispatchQueue

    init(path: String, maxFileBytes: Int) {
        self.path = path
        self.maxFileBytes = maxFileBytes
        queue = DispatchQueue(label: "qinferd.directory-source")
    }

    func start(_ sink: FrameSink) throws(SourceFailure) {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SourceFailure("inotify_init1: \(String(cString: strerror(errno)))") }
        let mask = UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
        guard inotify_add_watch(fd, path, mask) >= 0 else {
            let text = String(cString: strerror(errno))
            close(fd)
            throw SourceFailure("cannot watch the directory \(path): \(text)")
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readEvents(fd, sink) }
        source.setCancelHandler { close(fd) }
        let handle = InotifyWatch(source)
        watch.withLock { $0 = handle }
        source.resume()
        #else
        throw SourceFailure("directory sources need Linux's inotify")
        #endif
    }

    func stop() {
        watch.withLock { w -> InotifyWatch? in defer { w = nil }; return w }?.source.cancel()
    }

    #if os(Linux)
    private func readEvents(_ fd: Int32, _ sink: FrameSink) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return }
        buffer.withUnsafeBytes { handle(UnsafeRawBufferPointer(rebasing: $0[..<n]), sink) }
    }
    #endif

    #if canImport(Glibc)
    /// Acts on one read's worth of inotify records in order (``DirectoryEvent``); apart from the descriptor so tests
    /// can hand it the bytes of events a kernel will not produce on demand (an overflow). Once the directory is gone
    /// the watch is closed here, before the runner's stop: the kernel may still queue events for a moved directory,
    /// and the runner must hear of the failure once, not once per read.
    func handle(_ bytes: UnsafeRawBufferPointer, _ sink: FrameSink) {
        let (events, trailing) = InotifyEvents.decode(bytes)
        for event in events {
            switch DirectoryEvent.classify(event, path: path) {
            case .frame(let name):
                infer(name, sink)
            case .overflow:
                // A rescan would not help: qinferd never deletes what it read, so the directory cannot tell the missed
                // files from those already inferred. The writer learns of the loss from /v1/sources and the log.
                sink.reject("inotify's queue overflowed: files written to \(path) meanwhile were missed")
            case .unreadableName(let bytes):
                sink.reject("\(filePath(String(decoding: bytes, as: UTF8.self))): the name is not UTF-8, so the file cannot be opened")
            case .gone(let why):
                stop()
                return sink.fail(why)
            case .ignored:
                continue
            }
        }
        if trailing > 0 { sink.reject("inotify returned \(trailing) byte(s) that are no whole event; they were skipped") }
    }
    #endif

    /// A finished input file by its name: not hidden, not a temporary, and of an input format.
    static func isFrameFile(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix("~") else { return false }
        guard let ext = InputFormat.fileExtension(name) else { return false }
        return InputFormat(rawValue: ext) != nil || ext == "json"
    }

    private func filePath(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    private func infer(_ name: String, _ sink: FrameSink) {
        let file = filePath(name)
        var info = stat()
        guard stat(file, &info) == 0 else { return sink.reject("\(file): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return }
        guard Int(info.st_size) <= maxFileBytes else {
            return sink.reject("\(file) is \(info.st_size) bytes, over the limit of \(maxFileBytes) (max_body_bytes)")
        }
        do throws(APIFailure) { sink.deliver(try InputPayload.file(at: file)) } catch {
            sink.reject("\(file): \(error.message)")
        }
    }
}

/// The read source of an inotify descriptor. Dispatch sources may be cancelled from any thread; the Linux overlay
/// does not mark them Sendable, hence the box.
final class InotifyWatch: @unchecked Sendable {
    let source: DispatchSourceRead
    init(_ source: DispatchSourceRead) { self.source = source }
}
