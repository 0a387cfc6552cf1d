/// Caps that keep a hostile header from making us allocate or loop far beyond what the input can hold.
/// Most decoders need no absolute cap because every output value is backed by at least one input byte;
/// the exceptions are compressed formats (PNG), whose output can legitimately be ~1000× the input.
enum DecodeLimits {
    /// Largest decoded frame in bytes (a 9000×9000 RGB image fits); far beyond any model input.
    static let maxFrameBytes = 1 << 28
    /// zlib's deflate cannot expand by more than ~1032:1; a PNG claiming more than this per input byte lies.
    static let maxPNGExpansion = 1100
    /// numpy itself allows 64 dimensions; inputs to our models have at most 4.
    static let maxDimensions = 32
    /// Nesting depth of the .npy header literal; numpy headers use 2 (dict → tuple).
    static let maxLiteralDepth = 16
}
