// qinferd-activation-probe: a child process for QInferBoardTests, which need a process of their own to inherit
// LISTEN_FDS descriptors from 3 on, or to bootstrap swift-log (which a process may do once).
//
//   qinferd-activation-probe [api|metrics]   find the inherited sockets, accept one connection on the API socket
//                                     (or the metrics one), answer "ok fd=… name=… address=… env-unset=…", exit 0;
//                                     "not activated" (or no socket of that kind) → exit 3;
//                                     refused descriptors print "error: …" on stderr → exit 2
//   qinferd-activation-probe log      LoggingSetup.bootstrap(); print the destination on stdout, log one line
import Glibc
import Logging
import QInferBoard

let arguments = CommandLine.arguments.dropFirst()

/// Unbuffered, so output is complete even though the probe ends with exit().
func put(_ text: String, fd: Int32) {
    _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
}

if arguments.first == "log" {
    let destination = LoggingSetup.bootstrap(level: .debug)
    put("destination=\(destination.rawValue)\n", fd: 1)
    var logger = Logger(label: "qinferd.probe")
    logger[metadataKey: "model"] = "irnet"
    logger.info("model loaded", metadata: ["version": "3", "path": "/var/lib/qinferd/models/irnet 3.qpack"])
    logger.debug("two\nlines")
    exit(0)
}

do {
    let sockets = try SocketActivation.sockets()
    guard let socket = arguments.first == "metrics" ? sockets?.metrics : sockets?.api else {
        put(sockets == nil ? "not activated\n" : "no \(arguments.first ?? "api") socket\n", fd: 1)
        exit(3)
    }
    let client = accept(socket.fd, nil, nil)
    guard client >= 0 else {
        put("error: accept on fd \(socket.fd) failed: errno \(errno)\n", fd: 2)
        exit(1)
    }
    let unset = getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil ? "yes" : "no"
    let reply = "ok fd=\(socket.fd) name=\(socket.name) address=\(socket.address ?? "-") env-unset=\(unset)\n"
    put(reply, fd: client)
    close(client)
    exit(0)
} catch {
    put("error: \(error)\n", fd: 2)
    exit(2)
}
