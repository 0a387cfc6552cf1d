#if canImport(Glibc)
import Glibc

/// One record read from an inotify descriptor: its mask and the name it carries (empty for events of the watched
/// directory itself and for a queue overflow). The name stays bytes: Linux file names need not be UTF-8.
struct InotifyEvent: Equatable, Sendable {
    var mask: UInt32
    var name: [UInt8]

    init(mask: UInt32, name: [UInt8] = []) { self.mask = mask; self.name = name }
}

/// Splits what read(2) returned from an inotify descriptor into its records, as the kernel lays them out: a
/// `struct inotify_event` header (wd i32, mask u32, cookie u32, len u32, in host byte order) followed by `len` bytes
/// of name, padded with NULs. Kept apart from the descriptor so every case — an overflow, a dropped watch, a
/// truncated buffer — can be tested with bytes instead of a kernel that must be made to produce them.
enum InotifyEvents {
    static let headerSize = MemoryLayout<inotify_event>.size

    /// The whole records of `bytes`, in order, and how many bytes at the end form no whole record (a header cut
    /// short, or a `len` running past the end). The kernel never returns part of a record, so `trailing` is 0 unless
    /// something is wrong; decoding stops there rather than reading past the buffer.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> (events: [InotifyEvent], trailing: Int) {
        var events: [InotifyEvent] = []
        var offset = 0
        while bytes.count - offset >= headerSize {
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            // Compared as a remainder, so a len near UInt32.max cannot overflow an index.
            guard length <= bytes.count - nameStart else { break }
            events.append(InotifyEvent(mask: mask, name: Array(bytes[nameStart..<(nameStart + length)].prefix { $0 != 0 })))
            offset = nameStart + length
        }
        return (events, bytes.count - offset)
    }

    static func decode(_ bytes: [UInt8]) -> (events: [InotifyEvent], trailing: Int) {
        bytes.withUnsafeBytes { decode($0) }
    }
}

/// What one inotify event means to a directory source.
enum DirectoryEvent: Equatable, Sendable {
    /// A finished file to infer, by its name in the directory.
    case frame(String)
    /// The kernel's event queue overflowed: events (files) since the last read were lost.
    case overflow
    /// The watched directory itself went away; the watch is useless from here on (the message says why).
    case gone(String)
    /// A would-be frame whose name is not UTF-8, which a String path cannot reach; said rather than silently skipped.
    case unreadableName([UInt8])
    /// Nothing to do: a subdirectory, a dot file, a temporary, a name of no input format.
    case ignored

    /// Reads `event` for the directory watched at `path`. The directory's own events are looked for before IN_ISDIR,
    /// which says a named entry is a subdirectory: a kernel that also set it on them must not hide them.
    static func classify(_ event: InotifyEvent, path: String) -> DirectoryEvent {
        let mask = event.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return .overflow }
        if mask & UInt32(IN_DELETE_SELF) != 0 { return .gone("the watched directory \(path) was removed") }
        if mask & UInt32(IN_MOVE_SELF) != 0 { return .gone("the watched directory \(path) was moved away") }
        if mask & UInt32(IN_UNMOUNT) != 0 { return .gone("the file system holding the watched directory \(path) was unmounted") }
        // The kernel dropped the watch (after one of the above, or by itself): nothing more will be reported.
        if mask & UInt32(IN_IGNORED) != 0 { return .gone("the watch on the directory \(path) was dropped") }
        if mask & UInt32(IN_ISDIR) != 0 { return .ignored }
        guard mask & UInt32(IN_MOVED_TO | IN_CLOSE_WRITE) != 0, !event.name.isEmpty else { return .ignored }
        // A name that is not UTF-8 is judged by its lossy reading: only one that would be a frame is worth a report.
        guard DirectorySource.isFrameFile(String(decoding: event.name, as: UTF8.self)) else { return .ignored }
        guard let name = String(validating: event.name, as: UTF8.self) else { return .unreadableName(event.name) }
        return .frame(name)
    }
}
#endif
