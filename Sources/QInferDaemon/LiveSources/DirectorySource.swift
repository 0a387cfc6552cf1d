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
        let header = MemoryLayout<inotify_event>.size
        var offset = 0
        var names: [String] = []
        var broken: String?
        buffer.withUnsafeBytes { raw in
            while offset + header <= n {
                let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                let nameBytes = raw[(offset + header)..<min(offset + header + length, n)].prefix { $0 != 0 }
                offset += header + length
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { sink.reject("inotify's queue overflowed: files written meanwhile were missed"); continue }
                if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
                    broken = "the watched directory \(path) was removed or moved"
                    continue
                }
                if mask & UInt32(IN_ISDIR) != 0 { continue }
                names.append(String(decoding: nameBytes, as: UTF8.self))
            }
        }
        for name in names where Self.isFrameFile(name) { infer(name, sink) }
        if let broken { sink.fail(broken) }
    }
    #endif

    /// A finished input file by its name: not hidden, not a temporary, and of an input format.
    static func isFrameFile(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix("~") else { return false }
        guard let ext = InputFormat.fileExtension(name) else { return false }
        return InputFormat(rawValue: ext) != nil || ext == "json"
    }

    private func infer(_ name: String, _ sink: FrameSink) {
        let file = path.hasSuffix("/") ? path + name : path + "/" + name
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
