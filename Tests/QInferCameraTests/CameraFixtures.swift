import CGStreamer
import Foundation
import QInferCamera
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferTestSupport

/// The shipped IR-Net and its committed Fashion-MNIST test images, PNG sequences written from them, and the bounds
/// every test loop runs under.
enum CameraFixtures {
    static let irnet = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../models/irnet").standardized.path

    /// Upper bound on any single wait for a frame; far above what a frame takes here, so only a hang trips it.
    static let frameTimeout: Duration = .seconds(5)

    struct TestImages {
        let count: Int
        let pixels: [UInt8]   // count × 28 × 28
        let labels: [Int]

        func image(_ i: Int) -> [UInt8] { Array(pixels[(i * 784)..<((i + 1) * 784)]) }
    }

    static func testImages(first count: Int) throws -> TestImages {
        guard case .uint8(let pixels) = try npy("\(irnet)/testset_images.npy").storage else { throw TestFailure("testset_images.npy is not u8") }
        let labels = try npy("\(irnet)/testset_labels.npy")
        let values: [Int]
        switch labels.storage {
        case .float32(let v): values = v.map { Int($0) }
        case .uint8(let v): values = v.map { Int($0) }
        }
        guard pixels.count >= count * 784, values.count >= count else { throw TestFailure("the test set has fewer than \(count) images") }
        return TestImages(count: count, pixels: Array(pixels[0..<(count * 784)]), labels: Array(values[0..<count]))
    }

    private static func npy(_ path: String) throws -> Tensor {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path) else { throw TestFailure("\(path) is not a tensor") }
        return t
    }

    /// frame-0000.png … in `directory`; returns the multifilesrc location pattern.
    @discardableResult
    static func writePNGSequence(_ images: TestImages, into directory: String) throws -> String {
        for i in 0..<images.count {
            let png = InputFileWriters.png(width: 28, height: 28, channels: 1, images.image(i))
            guard !png.isEmpty else { throw TestFailure("libpng could not encode image \(i)") }
            try Data(png).write(to: URL(fileURLWithPath: framePath(directory, i)))
        }
        return "\(directory)/frame-%04d.png"
    }

    static func framePath(_ directory: String, _ i: Int) -> String {
        "\(directory)/frame-\(String(format: "%04d", i)).png"
    }

    /// A PNG sequence source: pngdec parses each file (multifilesrc's byte segments), videoconvert and videoscale
    /// give what the appsink asks for.
    static func pngSequence(_ location: String, decoder: String = "pngdec") -> String {
        "multifilesrc location=\(location) caps=\"image/png,framerate=30/1\" ! \(decoder) ! videoconvert ! videoscale"
    }

    static func irnetModel() throws -> (Engine, InputPreparer) {
        let model = try PackedModel(path: "\(irnet)/irnet.qpack")
        return (try Engine(model: model, threads: 1), InputPreparer(metadata: model.metadata))
    }

    static func label(_ engine: Engine, _ input: [Float]) throws -> Int {
        try topK(try engine.run(input), k: 1)[0].index
    }

    /// This process's resident set, from /proc/self/statm (pages × page size).
    static func residentBytes() throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { throw TestFailure("cannot read /proc/self/statm: '\(text)'") }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// How a bounded pull loop ended.
    enum End: Equatable {
        case error(CameraError)
        case timedOut
        case limitReached
    }

    /// Pulls until the stream ends or fails, bounded in count and time.
    static func drain(_ pipeline: CameraPipeline, atMost limit: Int, within budget: Duration = .seconds(30))
        -> (frames: [CameraFrame], end: End) {
        var frames: [CameraFrame] = []
        let deadline = ContinuousClock.now + budget
        while frames.count < limit {
            guard ContinuousClock.now < deadline else { return (frames, .timedOut) }
            do throws(CameraError) {
                guard let frame = try pipeline.nextFrame(timeout: frameTimeout) else { return (frames, .timedOut) }
                frames.append(frame)
            } catch {
                return (frames, .error(error))
            }
        }
        return (frames, .limitReached)
    }

    /// `kind` of the error that ended a drain, nil when none did.
    static func kind(_ end: End) -> CameraError.Kind? {
        if case .error(let e) = end { return e.kind }
        return nil
    }
}
