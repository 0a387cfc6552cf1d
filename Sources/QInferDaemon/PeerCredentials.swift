#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Who is on the other end of a Unix socket (SO_PEERCRED), and whether they may change the daemon's state.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    /// Root, the daemon's own user, or a member of the admin group: the peer's primary group, else its process's
    /// supplementary groups (/proc/<pid>/status), else — when the unit's ProtectProc=invisible hides another user's
    /// processes from qinferd — the group database's member list, which names the peer's user.
    public func isAdmin(adminGroup: String?) -> Bool {
        if uid == 0 || uid == getuid() { return true }
        guard let adminGroup, let group = Self.groupEntry(adminGroup) else { return false }
        if gid == group.gid { return true }
        if let groups = Self.supplementaryGroups(pid: pid) { return groups.contains(group.gid) }
        return Self.userName(uid).map(group.members.contains) ?? false
    }

    static func groupEntry(_ name: String) -> (gid: gid_t, members: [String])? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 65536)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        var members: [String] = []
        var cursor = group.gr_mem
        while let member = cursor?.pointee {
            members.append(String(cString: member))
            cursor = cursor?.advanced(by: 1)
        }
        return (group.gr_gid, members)
    }

    static func userName(_ uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return nil }
        return String(cString: name)
    }

    /// The supplementary groups of a process; nil when its /proc entry cannot be read (hidden, or gone).
    static func supplementaryGroups(pid: Int32) -> [UInt32]? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            // "Groups:\t27 50 " — a tab after the colon, spaces between.
            return line.dropFirst(7).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        return nil
    }
}
