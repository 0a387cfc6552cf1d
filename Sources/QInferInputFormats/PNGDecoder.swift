import CPNG

/// Decodes PNG through libpng's simplified API into 8-bit gray (gray and gray+alpha files) or RGB (colour,
/// palette, and their alpha variants) frames.
///
/// Alpha is composited onto black rather than refused: camera frames saved as RGBA are common and almost
/// always fully opaque, and black is what zero padding gives the model elsewhere. 16-bit files are reduced
/// to 8 bits by libpng; they are read as sRGB-encoded when they carry no gAMA/sRGB chunk (libpng's default
/// would assume linear and apply a gamma curve the producer never intended).
enum PNGDecoder {
    static func decode(_ bytes: [UInt8]) throws(InputError) -> Frame {
        let signature = FormatSniffer.pngSignature
        guard bytes.count >= signature.count, bytes.starts(with: signature) else {
            let isPrefix = bytes.count < signature.count && signature.starts(with: bytes)
            throw InputError(format: .png, kind: isPrefix ? .truncated : .badMagic, location: .byteOffset(isPrefix ? bytes.count : 0),
                             message: "does not start with the 8-byte PNG signature")
        }
        // libpng keeps a pointer to the input between begin and finish, so both run inside one pinned scope.
        let result: Result<Frame, InputError> = bytes.withUnsafeBytes { input in
            var image = png_image()
            image.version = cpng_image_version()
            guard png_image_begin_read_from_memory(&image, input.baseAddress, input.count) != 0 else {
                return .failure(libpngError(&image, stage: "header"))
            }
            let channels = image.format & cpng_format_flag_color() != 0 ? 3 : 1
            let width = Int(image.width), height = Int(image.height)
            let (area, areaOverflow) = width.multipliedReportingOverflow(by: height)
            let (size, sizeOverflow) = area.multipliedReportingOverflow(by: channels)
            let (expansionLimit, overflow) = input.count.multipliedReportingOverflow(by: DecodeLimits.maxPNGExpansion)
            guard !areaOverflow, !sizeOverflow, size <= DecodeLimits.maxFrameBytes, overflow || size <= expansionLimit else {
                png_image_free(&image)
                return .failure(InputError(format: .png, kind: .tooLarge, location: .byteOffset(16), field: "IHDR",
                                           message: "\(width)×\(height)×\(channels) image is larger than the frame limit or than \(input.count) compressed bytes can hold"))
            }
            image.format = channels == 3 ? cpng_format_rgb() : cpng_format_gray()
            image.flags |= cpng_image_flag_16bit_srgb()
            var black = png_color(red: 0, green: 0, blue: 0)
            var pixels = [UInt8](repeating: 0, count: size)
            let finished = pixels.withUnsafeMutableBytes { output in
                png_image_finish_read(&image, &black, output.baseAddress, Int32(width * channels), nil)
            }
            guard finished != 0 else { return .failure(libpngError(&image, stage: "image data")) }
            return .success(Frame(width: width, height: height, channels: channels, pixels: pixels))
        }
        return try result.get()
    }

    /// libpng has already released its state when a simplified-API call fails; only its message is left.
    private static func libpngError(_ image: inout png_image, stage: String) -> InputError {
        let message = withUnsafeBytes(of: image.message) { raw -> String in
            let text = raw.prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
        png_image_free(&image)
        return InputError(format: .png, kind: .png, field: stage,
                          message: "libpng: \(message.isEmpty ? "unknown error" : message)")
    }
}
