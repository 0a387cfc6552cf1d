import Foundation
import QInferCamera
import QInferTestSupport
import Testing

/// Pipelines that cannot start throw at once, with what GStreamer said.
@Suite struct StartFailureTests {
    static let gray28 = CameraOptions(format: CameraFormat(pixels: .gray8, width: 28, height: 28), delivery: .everyFrame, syncToClock: false)

    func startError(_ description: String, _ options: CameraOptions = gray28) -> CameraError? {
        do throws(CameraError) {
            let pipeline = try CameraPipeline(description: description, options: options)
            pipeline.stop()
            return nil
        } catch {
            return error
        }
    }

    @Test func aMissingElementNamesIt() throws {
        let error = try #require(startError("nosuchcamerasrc ! videoconvert ! videoscale"))
        #expect(error.kind == .invalidDescription)
        #expect(error.message.contains("no element \"nosuchcamerasrc\""), "\(error.message)")
    }

    @Test func aMissingFileNamesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let missing = "\(dir.path)/absent.png"
        let error = try #require(startError("filesrc location=\(missing) ! pngdec ! videoconvert ! videoscale"))
        #expect(error.kind == .startFailed)
        #expect(error.message.contains("absent.png") && error.message.contains("filesrc"), "\(error.message)")
    }

    @Test func anEmptyPNGSequenceFailsAtStart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error = try #require(startError(CameraFixtures.pngSequence("\(dir.path)/frame-%04d.png")))
        #expect(error.kind == .startFailed, "\(error)")
        #expect(error.message.contains("frame-0000.png") || error.message.contains("multifilesrc"), "\(error.message)")
    }

    /// NV12 with no videoconvert cannot become GRAY8 or RGB: GStreamer's not-negotiated, and what to add.
    @Test func aFormatThatCannotBeConvertedSaysHowToFixIt() throws {
        let error = try #require(startError("videotestsrc ! video/x-raw,format=NV12,width=16,height=16"))
        #expect(error.kind == .startFailed)
        #expect(error.message.contains("not-negotiated") && error.message.contains("videoconvert ! videoscale"), "\(error.message)")
    }

    @Test func badDescriptionsAndFormats() throws {
        #expect(startError("   ")?.kind == .invalidDescription)
        #expect(startError("videotestsrc !")?.kind == .invalidDescription)
        #expect(startError("videotestsrc ! ! fakesink")?.kind == .invalidDescription)
        // A non-appsink under the sink's name is refused by name, not linked into.
        let named = try #require(startError("videotestsrc ! fakesink name=qinfer"))
        #expect(named.kind == .invalidDescription && named.message.contains("not an appsink"), "\(named.message)")
        let zero = CameraOptions(format: CameraFormat(pixels: .gray8, width: 0, height: 28))
        #expect(startError("videotestsrc", zero)?.kind == .invalidFormat)
    }
}
