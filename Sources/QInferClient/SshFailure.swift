// What an ssh exit status means for `qinfer --host ssh://…`, said as what to check. ssh's own message (and the
// remote dial-stdio's) already went to the user's stderr; these lines tell which part failed.

enum SshFailure {
    static func describe(_ exit: SshExit, destination: SshDestination, answered: Bool) -> ClientError {
        let target = destination.description
        let cut = answered ? "the connection to qinferd on \(target) broke: " : ""
        switch exit {
        case .exited(255):
            let login = (destination.user.map { "\($0)@" } ?? "") + destination.host
            return ClientError(cut + "ssh could not connect to \(target) (exit status 255; ssh's message is above): check that the host "
                + "is reachable\(destination.port.map { " on port \($0)" } ?? ""), that it accepts your key or agent "
                + "(try `ssh \(destination.port.map { "-p \($0) " } ?? "")\(login) true`), that its host key is in ~/.ssh/known_hosts, "
                + "and your ~/.ssh/config entry for it")
        case .exited(127):
            return ClientError(cut + "`qinfer` was not found on \(target) (the remote shell's exit status 127): install qinferd's "
                + "package there, or put `qinfer` on the login user's PATH for non-interactive ssh sessions")
        case .exited(126):
            return ClientError(cut + "`qinfer` on \(target) cannot be executed (exit status 126): check its permissions there")
        case .exited(let code):
            return ClientError(cut + "`qinfer dial-stdio` on \(target) failed with exit status \(code) (its message is above): check "
                + "that qinferd runs there and that --socket names its socket on that host")
        case .signaled(let signal):
            return ClientError(cut + "ssh to \(target) was killed by signal \(signal) before qinferd answered")
        }
    }
}
