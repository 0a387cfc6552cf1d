/// Why a camera pipeline did not give a frame; `message` carries GStreamer's own text where it has one.
public struct CameraError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The requested format itself is unusable (checked before GStreamer sees it).
        case invalidFormat
        /// GStreamer could not parse the description (syntax, an element that is not installed, a link it refused).
        case invalidDescription
        /// The pipeline was built but did not reach PLAYING (a device or file that cannot be opened, caps that do
        /// not negotiate, a start that took longer than the start timeout).
        case startFailed
        /// An element posted an error after frames had started flowing (a corrupt file, an unplugged camera).
        case streamFailed
        /// The stream ended (a file's last frame, num-buffers reached); not a failure, but no frame will follow.
        case endOfStream
        /// stop() was called; the pipeline is gone.
        case stopped
        /// nextFrame was called while another call was waiting (one consumer at a time).
        case concurrentUse
        /// A sample GStreamer delivered could not be read as the negotiated video format.
        case unreadableFrame
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    public var description: String { message }
}
