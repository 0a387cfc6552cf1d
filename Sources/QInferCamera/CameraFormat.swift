import QInferModel

/// The frames a camera pipeline is asked for: pixel format and size, which the pipeline's own videoconvert and
/// videoscale produce when the description has them.
public struct CameraFormat: Sendable, Equatable, CustomStringConvertible {
    /// The two layouts the frame preprocessor reads (gray, or RGB in that order); GStreamer's names.
    public enum Pixels: String, Sendable, CaseIterable {
        case gray8 = "GRAY8"
        case rgb = "RGB"

        public var channels: Int { self == .gray8 ? 1 : 3 }
    }

    public var pixels: Pixels
    public var width: Int
    public var height: Int

    public init(pixels: Pixels, width: Int, height: Int) {
        self.pixels = pixels; self.width = width; self.height = height
    }

    /// What a model's frame preprocessing wants: gray models get GRAY8, RGB and BGR models RGB (the preprocessor
    /// swaps to BGR itself, so the channel order is converted in one place only).
    public init(for preprocessing: FramePreprocessing) {
        self.init(pixels: preprocessing.channelOrder == .gray ? .gray8 : .rgb,
                  width: preprocessing.width, height: preprocessing.height)
    }

    public var description: String { "\(pixels.rawValue) \(width)×\(height)" }

    /// Checked before any pipeline is built, so a bad size is our error and not a negotiation failure.
    func validate() throws(CameraError) {
        // GStreamer's caps hold sizes as gint; 1 << 15 is far above any camera and keeps width × height × 3 small.
        guard (1...(1 << 15)).contains(width), (1...(1 << 15)).contains(height) else {
            throw CameraError(.invalidFormat, "camera format \(width)×\(height): both sides must be between 1 and 32768")
        }
    }
}
