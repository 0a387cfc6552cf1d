// kind = "camera" sources against the real qinferd and real GStreamer pipelines (gstreamer1.0-plugins-base and
// -good): a live test pattern under max_rate, a PNG sequence of the committed Fashion-MNIST images whose answers are
// the engine's own, a pipeline that cannot be built, and camera tables qinferd refuses.
import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferProtocol
import QInferTestSupport
import Testing

/// The shipped IR-Net, its committed test images, and what the engine answers for them.
enum CameraSourceFixtures {
    static let irnetDirectory = "\(SourceFixtures.root)/models/irnet"

    static func model() throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(irnetDirectory)/irnet.qpack"))) }

    /// The first `count` 28×28 gray test images.
    static func images(first count: Int) throws -> [[UInt8]] {
        let path = "\(irnetDirectory)/testset_images.npy"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path), case .uint8(let pixels) = t.storage else {
            throw HarnessError("\(path) is not a u8 tensor")
        }
        guard pixels.count >= count * 784 else { throw HarnessError("the IR-Net test set has fewer than \(count) images") }
        return (0..<count).map { Array(pixels[($0 * 784)..<(($0 + 1) * 784)]) }
    }

    /// The engine's top class for each image, through the same frame preprocessing the daemon uses.
    static func engineLabels(_ images: [[UInt8]]) throws -> [Int] {
        let model = try PackedModel(path: "\(irnetDirectory)/irnet.qpack")
        let engine = try Engine(model: model, threads: 1)
        let preparer = InputPreparer(metadata: model.metadata)
        return try images.map { pixels in
            let input = try preparer.prepare(.frame(Frame(width: 28, height: 28, channels: 1, pixels: pixels)))
            return topK(try engine.run(input), k: 1)[0].index
        }
    }

    /// Whether `answers` is `expected` played in a loop with some frames skipped: each answer is one of the next
    /// `expected.count` labels after the previous match (dropped frames allowed, order kept).
    static func followsInLoop(_ answers: [Int], _ expected: [Int]) -> Bool {
        var at = -1
        for label in answers {
            guard let step = (1...expected.count).first(where: { expected[(at + $0) % expected.count] == label }) else { return false }
            at += step
        }
        return true
    }
}

extension Integration {
    @Suite("camera sources") struct CameraSourceTests {
        /// A daemon serving the shipped IR-Net, with `toml` as its qinferd.toml, once its sources are listed.
        func start(_ s: Scratch, _ toml: String) throws -> DaemonProcess {
            try s.write("embedded/irnet/irnet.qpack", try CameraSourceFixtures.model())
            let config = try s.write("qinferd.toml", Array(toml.utf8))
            let d = try startDaemon(s, extra: ["--config", config])
            try wait(timeout: 10, "the source listed") { try SourceFixtures.list(d.socket).count == 1 }
            return d
        }

        @Test("a live test pattern under max_rate = 10 is inferred about 10 times a second, on /v1/events with the source's name")
        func liveTestPattern() throws {
            let s = try Scratch()
            let d = try start(s, """
                [[source]]
                name = "pattern"
                kind = "camera"
                model = "irnet"
                pipeline = "videotestsrc is-live=true ! videoconvert ! videoscale"
                max_rate = 10
                """)
            try wait(timeout: 20, "source pattern running with a first answer") {
                let st = try SourceFixtures.status(d.socket, "pattern")
                return st.state == "running" && st.inferred >= 1
            }
            let events = try EventFollower(d.socket)
            let before = try SourceFixtures.status(d.socket, "pattern"), from = monotonicNow()
            usleep(2_000_000)
            let after = try SourceFixtures.status(d.socket, "pattern"), elapsed = monotonicNow() - from
            let answered = after.inferred - before.inferred
            // 10 per second at most (one submission may fall on each edge); at least half of that on a loaded machine.
            #expect(Double(answered) <= elapsed * 10 + 2 && Double(answered) >= elapsed * 5,
                    "\(answered) answers in \(elapsed) s at max_rate 10: \(after)")
            // videotestsrc runs at 30 frames per second, so the rate limit drops about two in three.
            #expect(after.kind == "camera" && after.dropped > 0 && after.failed == 0 && after.restarts == 0, "\(after)")
            #expect(SourceFixtures.balanced(after), "\(after)")
            for _ in 0..<3 {
                let event = try events.next()
                #expect(event.source?.name == "pattern" && event.model == "irnet", "\(event)")
            }
            try expectHealthy(d, after: "a live camera source")
        }

        @Test("a PNG sequence of the committed test images gets the engine's labels in order, and plays again after its end")
        func pngSequenceAnswers() throws {
            let s = try Scratch()
            let images = try CameraSourceFixtures.images(first: 12)
            let expected = try CameraSourceFixtures.engineLabels(images)
            // The order check only means something when the images are of several classes.
            #expect(Set(expected).count >= 4, "the first 12 test images fall into few classes: \(expected)")
            for (i, pixels) in images.enumerated() {
                let png = InputFileWriters.png(width: 28, height: 28, channels: 1, pixels)
                guard !png.isEmpty else { throw HarnessError("libpng could not encode image \(i)") }
                try s.write("frames/frame-\(String(format: "%04d", i)).png", png)
            }
            // 10 frames a second (the appsink syncs to the clock, as a camera would pace them): IR-Net answers far
            // faster, so frames are rarely dropped; drop-newest keeps the order if one is.
            let d = try start(s, """
                [[source]]
                name = "files"
                kind = "camera"
                model = "irnet"
                pipeline = "multifilesrc location=\(s.sub("frames"))/frame-%04d.png caps=\\"image/png,framerate=10/1\\" ! pngdec ! videoconvert ! videoscale"
                on_overrun = "drop-newest"
                """)
            let events = try EventFollower(d.socket)
            // Two plays and a little: the end of the stream restarts the source, so the sequence comes round again.
            var answers: [Int] = []
            let deadline = monotonicNow() + 30
            while answers.count < 2 * images.count + 4 && monotonicNow() < deadline {
                let event = try events.next()
                #expect(event.source?.name == "files", "\(event)")
                answers.append(event.top[0].index)
            }
            #expect(answers.count == 2 * images.count + 4, "only \(answers.count) answers in 30 s")
            #expect(CameraSourceFixtures.followsInLoop(answers, expected), "answers \(answers), engine \(expected)")
            let st = try SourceFixtures.status(d.socket, "files")
            if st.dropped == 0 {
                // No frame dropped: every image in turn, round and round. The follower subscribes a moment after the
                // source starts, so the answers may begin at any image of the loop, not necessarily the first.
                let n = expected.count
                let rotation = (0..<n).first { o in answers.indices.allSatisfy { answers[$0] == expected[(o + $0) % n] } }
                #expect(rotation != nil, "no frame dropped, so the answers are the images in turn: \(answers), engine \(expected)")
            }
            #expect(st.restarts >= 1 && st.lastError?.message.contains("end of its stream") == true, "\(st)")
            try expectHealthy(d, after: "a PNG sequence source")
        }

        @Test("a pipeline with an element that is not installed reports GStreamer's message and retries; qinferd stays healthy")
        func missingElement() throws {
            let s = try Scratch()
            let d = try start(s, """
                [[source]]
                name = "broken"
                kind = "camera"
                model = "irnet"
                pipeline = "qinfernosuchsrc ! videoconvert ! videoscale"
                """)
            try wait(timeout: 20, "source broken retrying with GStreamer's message") {
                let st = try SourceFixtures.status(d.socket, "broken")
                return st.state == "retrying" && st.lastError?.message.contains("qinfernosuchsrc") == true
            }
            let st = try SourceFixtures.status(d.socket, "broken")
            #expect(st.inferred == 0 && st.restarts >= 1 && st.retryInMs != nil, "\(st)")
            try expectHealthy(d, after: "a camera pipeline that cannot be built")
        }

        @Test("camera tables without a pipeline, or with another kind's keys, stop qinferd naming the table")
        func badCameraTables() throws {
            let s = try Scratch()
            let cases: [(String, String)] = [
                ("[[source]]\nname = \"c\"\nkind = \"camera\"\nmodel = \"irnet\"\n",
                 "[[source]] #1 ('c'): 'pipeline' is missing or empty"),
                ("[[source]]\nname = \"c\"\nkind = \"camera\"\nmodel = \"irnet\"\npipeline = \"  \"\n",
                 "[[source]] #1 ('c'): 'pipeline' is missing or empty"),
                ("[[source]]\nname = \"c\"\nkind = \"camera\"\nmodel = \"irnet\"\npipeline = \"videotestsrc\"\npath = \"/tmp\"\n",
                 "[[source]] #1 ('c'): unknown key 'path'"),
            ]
            for (i, (toml, needle)) in cases.enumerated() {
                let config = try s.write("bad\(i).toml", Array(toml.utf8))
                let d = try DaemonProcess(arguments: ["--socket", s.sub("b\(i).sock"), "--state-dir", s.sub("state"), "--config", config],
                                          socket: s.sub("b\(i).sock"), log: s.sub("b\(i).log"))
                try d.waitExit(timeout: 20)
                #expect(d.exitCode != 0 && d.log.contains(needle), "case \(i): \(d.log)")
            }
        }
    }
}
