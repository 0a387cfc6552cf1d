// One `ssh … qinfer dial-stdio` child: spawned with its stdin and stdout on pipes (stderr stays the user's, so host
// key prompts and ssh's own errors reach the terminal), reaped by a thread of its own as soon as it exits (no zombie,
// whatever the channel does), and terminated if the channel is done with it first.
import Foundation
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How an ssh child ended.
enum SshExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    var succeeded: Bool { self == .exited(0) }
}

/// A running ssh child and the pipe ends this process keeps.
final class SshProcess: Sendable {
    let pid: pid_t
    /// Where the channel reads (ssh's stdout) and writes (ssh's stdin). NIO owns them once the channel exists.
    let input: Int32, output: Int32
    /// Completes, from the reaper thread, when ssh has exited and been reaped.
    let exit: EventLoopFuture<SshExit>
    /// A duplicate of the read end of ssh's stdin, held so that writing to a dead ssh fills the pipe instead of
    /// failing with EPIPE: the channel then ends with ssh's exit status (which explains the failure) rather than with
    /// a bare "broken pipe" that races it. Closed with the channel.
    private let heldStdin: Mutex<Int32>
    /// Set (under the lock) between waitid(WNOWAIT) seeing the exit and waitpid reaping it, so that `terminate`
    /// never signals a pid that has been reaped and could be reused.
    private let exited = Mutex(false)

    /// Starts `command` (`ssh` and its arguments), found on PATH; the exit future completes on `loop`.
    init(command: [String], loop: EventLoop) throws(ClientError) {
        let toChild = try Self.makePipe(), fromChild: [Int32]
        do { fromChild = try Self.makePipe() } catch {
            toChild.forEach { close($0) }
            throw error
        }
        let childStdin = Self.aboveStandardDescriptors(toChild[0]), childStdout = Self.aboveStandardDescriptors(fromChild[1])
        let spawned = Self.spawn(command, stdin: childStdin, stdout: childStdout)
        close(childStdout)
        guard case .success(let pid) = spawned else {
            [childStdin, toChild[1], fromChild[0]].forEach { close($0) }
            if case .failure(let error) = spawned { throw error }
            throw ClientError("cannot run ssh")
        }
        self.pid = pid
        input = fromChild[0]
        output = toChild[1]
        heldStdin = Mutex(childStdin)
        let promise = loop.makePromise(of: SshExit.self)
        exit = promise.futureResult
        Thread.detachNewThread { [self] in promise.succeed(reap()) }
    }

    /// Closes the held stdin read end (once the channel is closed) and, if ssh still runs after `grace`, sends it
    /// SIGTERM: it was started for this channel alone.
    func channelClosed(on loop: EventLoop, grace: TimeAmount = .seconds(2)) {
        heldStdin.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
        loop.scheduleTask(in: grace) { [self] in terminate(SIGTERM) }
    }

    /// ssh has exited (it may be in the middle of being reaped).
    var hasExited: Bool { exited.withLock { $0 } }

    /// Sends `signal` unless ssh has already exited.
    func terminate(_ signal: Int32) {
        exited.withLock { done in
            if !done { kill(pid, signal) }
        }
    }

    /// Waits for the exit without reaping (so `terminate` can tell), marks it, then reaps.
    private func reap() -> SshExit {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        return exited.withLock { done in
            done = true
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
            let signal = status & 0x7f
            return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }
    }

    /// A pipe whose ends are closed in children (Glibc's Swift module does not export pipe2 without _GNU_SOURCE; the
    /// moment between pipe and fcntl only matters to a fork in another thread of this client, which has none).
    private static func makePipe() throws(ClientError) -> [Int32] {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ClientError("cannot create a pipe for ssh: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fds
    }

    /// dup2 onto 0 or 1 would keep FD_CLOEXEC (and the wrong descriptor) if the pipe end already were one of them,
    /// which happens when this process runs with a standard descriptor closed.
    private static func aboveStandardDescriptors(_ fd: Int32) -> Int32 {
        guard fd <= 2 else { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        guard moved >= 0 else { return fd }
        close(fd)
        return moved
    }

    private static func spawn(_ command: [String], stdin: Int32, stdout: Int32) -> Result<pid_t, ClientError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)

        // SwiftNIO ignores SIGPIPE process-wide; ssh must start with the default dispositions and no blocked signals.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        guard let program = command.first else { return .failure(ClientError("no command to run")) }
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        switch rc {
        case 0: return .success(pid)
        case ENOENT: return .failure(ClientError("cannot run \(program): there is no `\(program)` on PATH; install the OpenSSH client (Debian: openssh-client)"))
        default: return .failure(ClientError("cannot run \(program): \(String(cString: strerror(rc)))"))
        }
    }
}
