// Live sources whose sensor breaks or cannot be set up as asked, against the real qinferd: a watched directory removed
// or moved away while it runs, and a socket source's socket_group (an existing group, an unknown one).
import Foundation
import QInferProtocol
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Integration.LiveSourceTests {
    /// A cloud as an atomic writer delivers it: written as a dot file beside its final name, then renamed in.
    func renameIn(_ s: Scratch, _ directory: String, _ name: String, _ cloud: [Float]) throws {
        let staging = try s.write("\(directory)/.\(name)", InputFileWriters.npy(shape: [1024, 3], f32: cloud))
        guard rename(staging, s.sub("\(directory)/\(name)")) == 0 else { throw HarnessError("rename \(staging): \(errnoText())") }
    }

    @Test("a watched directory removed, then moved away, while qinferd runs: each is reported, retried, and the source recovers by itself once the directory is back")
    func directoryGoneAndBack() throws {
        let s = try Scratch()
        let dir = s.sub("drop")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let d = try start(s, """
            [[source]]
            name = "drop"
            kind = "directory"
            model = "bipointnet"
            path = "\(dir)"
            """)
        try waitRunning(d.socket, "drop")
        let model = try SourceFixtures.model()
        let (clouds, _) = try SourceFixtures.clouds()
        let events = try EventFollower(d.socket)
        try renameIn(s, "drop", "first.npy", clouds[2])
        #expect(try events.next().source?.name == "drop")
        try wait(timeout: 10, "the first answer counted") { try SourceFixtures.status(d.socket, "drop").inferred == 1 }

        let ways: [(said: String, act: () throws -> Void, restore: () throws -> Void)] = [
            ("was removed", { try FileManager.default.removeItem(atPath: dir) },
             { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false) }),
            ("was moved away", { guard rename(dir, s.sub("moved")) == 0 else { throw HarnessError("rename: \(errnoText())") } },
             { guard rename(s.sub("moved"), dir) == 0 else { throw HarnessError("rename back: \(errnoText())") } }),
        ]
        for (round, way) in ways.enumerated() {
            let before = try SourceFixtures.status(d.socket, "drop")
            try way.act()
            // The failure is last_error only until the first retry, half a second later, replaces it: poll closely.
            let gone = "the watched directory \(dir) \(way.said)"
            try wait(timeout: 10, every: 0.002, "'\(gone)' in /v1/sources") {
                let st = try SourceFixtures.status(d.socket, "drop")
                return st.state == "retrying" && st.lastError?.message == gone
            }
            // Logged just after the state changes.
            try wait(timeout: 5, "the failure logged") { d.log.contains("source drop: failed: \(gone); retrying in") }
            try expectHealthy(d, after: "the watched directory \(way.said)")
            // Restarting cannot watch a directory that is not there; the source keeps retrying.
            try wait(timeout: 10, "the restart's failure in /v1/sources") {
                let st = try SourceFixtures.status(d.socket, "drop")
                return st.state == "retrying" && st.lastError?.message == "cannot watch the directory \(dir): No such file or directory"
            }
            let failing = try SourceFixtures.status(d.socket, "drop")
            #expect(failing.restarts >= before.restarts + 2 && failing.retryInMs != nil && failing.errors >= before.errors + 2, "\(failing)")
            if round == 1 {
                // The old watch is closed: a file renamed into the directory at its new place is nobody's frame.
                try renameIn(s, "moved", "stray.npy", clouds[9])
                usleep(300_000)
                #expect(try SourceFixtures.status(d.socket, "drop").framesSeen == before.framesSeen, "a moved-away directory is no longer read")
            }
            try expectHealthy(d, after: "the source failing to restart")

            try way.restore()
            try waitRunning(d.socket, "drop", timeout: 40)
            let cloud = clouds[20 + round]
            try renameIn(s, "drop", "back-\(round).npy", cloud)
            let event = try events.next()
            let want = try SourceFixtures.engineTop(model, cloud)
            #expect(event.source?.name == "drop" && event.top.map(\.index) == want.map(\.index), "\(event.top), engine \(want)")
            // The event goes out just before the source's counters take the answer.
            try wait(timeout: 10, "the answer counted") { try SourceFixtures.status(d.socket, "drop").inferred == before.inferred + 1 }
            let st = try SourceFixtures.status(d.socket, "drop")
            #expect(st.state == "running" && st.retryInMs == nil && SourceFixtures.balanced(st), "\(st)")
        }
        try expectHealthy(d, after: "the source recovering twice")
    }

    @Test("socket_group and socket_mode: the source's socket file gets that group and mode, and serves",
          .enabled(if: sourceSocketTestGroup() != nil,
                   "no group to give the socket to: as root none of nogroup, daemon, bin, sys, adm, users, staff exists apart from our own; otherwise we are in no supplementary group"))
    func socketGroup() throws {
        let group = try #require(sourceSocketTestGroup())
        let s = try Scratch()
        let path = s.sub("lidar.sock")
        let d = try start(s, """
            [[source]]
            name = "lidar"
            kind = "pointcloud-socket"
            model = "bipointnet"
            path = "\(path)"
            socket_mode = "0640"
            socket_group = "\(group.name)"
            """)
        try waitRunning(d.socket, "lidar")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK, "\(path): \(errnoText())")
        #expect(info.st_gid == group.gid, "group \(group.name) (gid \(group.gid)) asked, the socket has gid \(info.st_gid)")
        #expect(info.st_mode & 0o7777 == 0o640, "socket_mode 0640 asked, the socket has 0\(String(info.st_mode & 0o7777, radix: 8))")
        let (clouds, _) = try SourceFixtures.clouds()
        try Connection(path).send(SourceFixtures.frame(clouds[6]))
        try wait(timeout: 10, "the frame inferred") { try SourceFixtures.status(d.socket, "lidar").inferred == 1 }
    }

    @Test("an unknown socket_group fails only its source, with an error naming the group, and creates nothing at its path; qinferd serves on")
    func unknownSocketGroup() throws {
        let s = try Scratch()
        let path = s.sub("grouped.sock")
        let d = try start(s, """
            [[source]]
            name = "grouped"
            kind = "pointcloud-socket"
            model = "bipointnet"
            path = "\(path)"
            socket_group = "qinferd-no-such-group"

            [[source]]
            name = "plain"
            kind = "pointcloud-socket"
            model = "bipointnet"
            path = "\(s.sub("plain.sock"))"
            """)
        let said = "cannot listen on \(path): socket_group \"qinferd-no-such-group\" does not exist"
        try wait(timeout: 10, "the unknown group reported twice") {
            let st = try SourceFixtures.status(d.socket, "grouped")
            return st.state == "retrying" && st.restarts >= 2 && st.lastError?.message == said
        }
        try wait(timeout: 5, "the failure logged") { d.log.contains("source grouped: cannot start: \(said)") }
        var info = stat()
        #expect(lstat(path, &info) != 0 && errno == ENOENT, "nothing is left at \(path)")
        try waitRunning(d.socket, "plain")
        let (clouds, _) = try SourceFixtures.clouds()
        try Connection(s.sub("plain.sock")).send(SourceFixtures.frame(clouds[8]))
        try wait(timeout: 10, "the other source's frame inferred") { try SourceFixtures.status(d.socket, "plain").inferred == 1 }
        try expectHealthy(d, after: "a source with an unknown socket_group")
    }
}

/// A group this process may give a file to other than its effective one, so the change shows: as root any of a
/// few that exist on common systems, otherwise a supplementary group of ours.
func sourceSocketTestGroup() -> (name: String, gid: gid_t)? {
    let own = getegid()
    if geteuid() == 0 {
        for name in ["nogroup", "daemon", "bin", "sys", "adm", "users", "staff"] {
            if let g = getgrnam(name), g.pointee.gr_gid != own { return (name, g.pointee.gr_gid) }
        }
        return nil
    }
    let count = getgroups(0, nil)
    guard count > 0 else { return nil }
    var groups = [gid_t](repeating: 0, count: Int(count))
    let n = getgroups(count, &groups)
    for gid in groups.prefix(max(0, Int(n))) where gid != own {
        if let g = getgrgid(gid) { return (String(cString: g.pointee.gr_name), gid) }
    }
    return nil
}
