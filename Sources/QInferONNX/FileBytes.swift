#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a read failed, in words for an error message; callers wrap it with the file and tensor concerned.
struct FileReadFailure: Error {
    var reason: String
    /// Set when the requested range does not fit, so callers can report the size they saw.
    var fileSize: Int? = nil
}

/// Reads whole files and byte ranges with plain POSIX calls, so size checks use the size of the file actually
/// opened (fstat) rather than one looked up beforehand, and a range past the end is refused before any read.
enum FileBytes {
    static func readAll(path: String) throws(FileReadFailure) -> Data {
        let fd = try openRegularFile(path)
        defer { close(fd) }
        let size = try fileSize(fd)
        return try readExactly(fd, offset: 0, length: size)
    }

    static func readRange(path: String, offset: Int, length: Int) throws(FileReadFailure) -> Data {
        let fd = try openRegularFile(path)
        defer { close(fd) }
        let size = try fileSize(fd)
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard offset >= 0, length >= 0, !overflow, end <= size else {
            throw FileReadFailure(reason: "range past end of file", fileSize: size)
        }
        return try readExactly(fd, offset: offset, length: length)
    }

    static func size(path: String) throws(FileReadFailure) -> Int {
        let fd = try openRegularFile(path)
        defer { close(fd) }
        return try fileSize(fd)
    }

    private static func openRegularFile(_ path: String) throws(FileReadFailure) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadFailure(reason: errnoText()) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = errnoText()
            close(fd)
            throw FileReadFailure(reason: reason)
        }
        // A directory, FIFO or device would either fail oddly or block; only plain files hold model bytes.
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileReadFailure(reason: "not a regular file")
        }
        return fd
    }

    private static func fileSize(_ fd: Int32) throws(FileReadFailure) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileReadFailure(reason: errnoText()) }
        return Int(st.st_size)
    }

    private static func readExactly(_ fd: Int32, offset: Int, length: Int) throws(FileReadFailure) -> Data {
        var data = Data(count: length)
        var done = 0
        var failure: String? = nil
        data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            while done < length {
                let n = pread(fd, buffer.baseAddress! + done, length - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errnoText()
                    return
                }
                // The file shrank after fstat: report it instead of returning zero-filled bytes.
                if n == 0 {
                    failure = "file ended after \(offset + done) bytes while reading"
                    return
                }
                done += n
            }
        }
        if let failure { throw FileReadFailure(reason: failure) }
        return data
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
