#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Who is on the other end of a Unix socket (SO_PEERCRED), and whether they may change the daemon's state.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    /// Root, the daemon's own user, or a member of the admin group (primary or supplementary, from /proc/<pid>/status).
    public func isAdmin(adminGroup: String?) -> Bool {
        if uid == 0 || uid == getuid() { return true }
        guard let adminGroup, let gid = Self.groupID(adminGroup) else { return false }
        return self.gid == gid || Self.supplementaryGroups(pid: pid).contains(gid)
    }

    static func groupID(_ name: String) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    static func supplementaryGroups(pid: Int32) -> [UInt32] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [] }
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            // "Groups:\t27 50 " — a tab after the colon, spaces between.
            return line.dropFirst(7).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        return []
    }
}
