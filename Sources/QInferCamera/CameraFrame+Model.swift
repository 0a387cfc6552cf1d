import QInferEngine
import QInferInputFormats

extension CameraFrame {
    /// The frame as the input formats' Frame, the value the engine's preprocessing takes from any image file.
    public var decoded: Frame { Frame(width: width, height: height, channels: channels, pixels: pixels) }

    /// The model's input tensor: the same InputPreparer a PNG posted to the daemon goes through (resize when the
    /// pipeline could not, gray/RGB/BGR conversion, x/255 and the model's mean and std), so a camera frame and the
    /// same image sent as a file give the same answer.
    public func modelInput(_ preparer: InputPreparer) throws(EngineError) -> [Float] {
        try preparer.prepare(.frame(decoded))
    }
}
