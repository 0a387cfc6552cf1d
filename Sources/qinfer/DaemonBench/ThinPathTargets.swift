// Issue 18's thin path around compute, judged against what one `bench daemon` run measured: qinferd's own
// preprocess_us (decoding included) for .npy bodies, its queue_us, and the client's round trip above the compute time
// qinferd reported. Printed as met or missed beside the numbers; a benchmark reports, so the exit status ignores it.
struct ThinPathTargets {
    static let preprocessLimit = 15
    static let queueLimit = 20
    static let overheadLimit = 150

    enum Verdict: String {
        case met
        case missed
        /// The preprocess target is for .npy bodies; a raw float32 body skips most of the decoding it is about.
        case notJudged = "not judged"
    }

    struct Row {
        let key: String
        let title: String
        let micros: Int
        let limit: Int
        let verdict: Verdict
    }

    let rows: [Row]

    init(body: BenchBody, preprocess: Int, queue: Int, overhead: Int) {
        func verdict(_ value: Int, _ limit: Int) -> Verdict { value <= limit ? .met : .missed }
        rows = [
            Row(key: "preprocess", title: "PREP p50 (decode + preprocessing)", micros: preprocess, limit: Self.preprocessLimit,
                verdict: body == .npy ? verdict(preprocess, Self.preprocessLimit) : .notJudged),
            Row(key: "queue", title: "QUEUE p50 (hand-off to a worker)", micros: queue, limit: Self.queueLimit,
                verdict: verdict(queue, Self.queueLimit)),
            Row(key: "overhead", title: "OVERHEAD p50 (round trip − compute)", micros: overhead, limit: Self.overheadLimit,
                verdict: verdict(overhead, Self.overheadLimit)),
        ]
    }

    var allMet: Bool { rows.allSatisfy { $0.verdict != .missed } }

    func render() -> String {
        var table = TextTable([.init(title: "TARGET", alignment: .left), .init(title: "P50 µs", alignment: .right),
                               .init(title: "LIMIT µs", alignment: .right), .init(title: "VERDICT", alignment: .left)])
        for row in rows {
            // Capitals for a miss, as the other goals in this command's output.
            let note = switch row.verdict {
            case .met: "met"
            case .missed: "MISSED"
            case .notJudged: "not judged (the target is for .npy bodies: --body npy)"
            }
            table.append([row.title, "\(row.micros)", "≤ \(row.limit)", note])
        }
        return table.render()
    }

    func jsonLine(model: String, interval: JSONLine.Value) -> JSONLine {
        var fields: [(String, JSONLine.Value)] = [("model", .string(model)), ("interval_ms", interval)]
        for row in rows {
            fields += [("\(row.key)_p50_us", .int(row.micros)), ("\(row.key)_limit_us", .int(row.limit)),
                       ("\(row.key)", .string(row.verdict.rawValue))]
        }
        fields.append(("all_met", .bool(allMet)))
        return BenchDaemon.line("targets", fields)
    }
}
