/// An 8-bit image, rows top to bottom, channels interleaved (HWC); 1 channel is gray, 3 are RGB.
public struct Frame: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
