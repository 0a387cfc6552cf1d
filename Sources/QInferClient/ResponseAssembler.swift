import NIOCore
import NIOHTTP1

/// Puts the parts of one HTTP answer back together: the final head (an informational 1xx head is followed by the
/// real one), the body chunks, and the whole answer at its end.
struct ResponseAssembler {
    private(set) var head: HTTPResponseHead?
    private(set) var body: [UInt8] = []

    /// Takes one part; returns the answer when `part` ends it.
    mutating func take(_ part: HTTPClientResponsePart) -> DaemonResponse? {
        switch part {
        case .head(let h):
            if h.status.code >= 200 || h.status.code == 101 {
                head = h
                body = []
            }
            return nil
        case .body(let chunk):
            body += chunk.readableBytesView
            return nil
        case .end:
            guard let head else { return nil }
            let answer = DaemonResponse(status: Int(head.status.code), headers: head.headers, body: body)
            self.head = nil
            body = []
            return answer
        }
    }

    /// The answer as far as it has arrived (nil before its head): the status and the body not yet taken.
    var answerSoFar: DaemonResponse? {
        head.map { DaemonResponse(status: Int($0.status.code), headers: $0.headers, body: body) }
    }

    /// Removes and returns the first complete line of the body so far (without its newline), for a streamed body.
    mutating func nextLine() -> String? {
        guard let newline = body.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: body[..<newline], as: UTF8.self)
        body.removeSubrange(...newline)
        return line
    }
}
