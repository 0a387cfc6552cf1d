import CPNG
import QInferInputFormats

/// Writers for every input format `qinfer run` reads, so tests can produce real files of each kind.
public enum InputFileWriters {
    public static func xyz(_ points: [Float]) -> [UInt8] {
        var text = "# x y z\n"
        for i in stride(from: 0, to: points.count, by: 3) { text += "\(points[i]) \(points[i + 1]) \(points[i + 2])\n" }
        return Array(text.utf8)
    }

    /// .pts with the leading point-count line some scanners write.
    public static func pts(_ points: [Float]) -> [UInt8] {
        var text = "\(points.count / 3)\n"
        for i in stride(from: 0, to: points.count, by: 3) { text += "\(points[i]) \(points[i + 1]) \(points[i + 2]) 0.5\n" }
        return Array(text.utf8)
    }

    public static func plyASCII(_ points: [Float]) -> [UInt8] {
        var text = "ply\nformat ascii 1.0\ncomment written by the tests\nelement vertex \(points.count / 3)\n"
        text += "property float x\nproperty float y\nproperty float z\nproperty uchar red\nend_header\n"
        for i in stride(from: 0, to: points.count, by: 3) { text += "\(points[i]) \(points[i + 1]) \(points[i + 2]) 200\n" }
        return Array(text.utf8)
    }

    /// Binary little-endian PLY with a face element after the vertices (a mesh, as CAD exports are).
    public static func plyBinary(_ points: [Float]) -> [UInt8] {
        let n = points.count / 3
        var out = Array("ply\nformat binary_little_endian 1.0\nelement vertex \(n)\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n".utf8)
        for v in points { out += le(v.bitPattern) }
        out.append(3)
        for i: UInt32 in [0, 1, 2] { out += le(i) }
        return out
    }

    public static func pcdASCII(_ points: [Float]) -> [UInt8] {
        let n = points.count / 3
        var text = "# .PCD v0.7\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH \(n)\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS \(n)\nDATA ascii\n"
        for i in stride(from: 0, to: points.count, by: 3) { text += "\(points[i]) \(points[i + 1]) \(points[i + 2])\n" }
        return Array(text.utf8)
    }

    public static func pcdBinary(_ points: [Float]) -> [UInt8] {
        let n = points.count / 3
        var out = Array("VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH \(n)\nHEIGHT 1\nPOINTS \(n)\nDATA binary\n".utf8)
        for v in points { out += le(v.bitPattern) }
        return out
    }

    /// NumPy .npy version 1.0 of float32 ("<f4") or uint8 ("|u1") data.
    public static func npy(shape: [Int], f32 values: [Float]) -> [UInt8] { NpyEncoder.float32(shape: shape, values: values) }

    public static func npy(shape: [Int], u8 values: [UInt8]) -> [UInt8] { NpyEncoder.uint8(shape: shape, values: values) }

    public static func rawF32(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }

    public static func pgm(width: Int, height: Int, _ pixels: [UInt8]) -> [UInt8] {
        Array("P5\n# test frame\n\(width) \(height)\n255\n".utf8) + pixels
    }

    public static func ppm(width: Int, height: Int, _ rgb: [UInt8]) -> [UInt8] {
        Array("P6\n\(width) \(height)\n255\n".utf8) + rgb
    }

    /// An 8-bit gray or RGB PNG through libpng's simplified write API.
    public static func png(width: Int, height: Int, channels: Int, _ pixels: [UInt8]) -> [UInt8] {
        var image = png_image()
        image.version = cpng_image_version()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 1 ? cpng_format_gray() : cpng_format_rgb()
        var size: png_alloc_size_t = 0
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, nil) != 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels, 0, nil) }
        return ok != 0 ? Array(out.prefix(Int(size))) : []
    }

    private static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}
