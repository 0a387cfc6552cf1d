import CPNG
import Foundation

/// Headless Chromium as the tests' browser: it is what a person opens report.md's chart in, so "renders" means
/// Chromium drew it, not that a parser accepted it.
enum Chromium {
    static let timeout = 60.0

    /// The browser from QINFER_CHROMIUM, else `chromium` or `chromium-browser` on PATH.
    static func find() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["QINFER_CHROMIUM"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser"] {
            for dir in dirs where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }

    /// Screenshots `url` at 900×900. --no-sandbox because tests may run as root; a private profile so concurrent
    /// runs do not share one. Stops the browser (by its pid) after `timeout` seconds.
    static func screenshot(_ chromium: String, url: String, to png: String, profile: String) throws -> (finished: Bool, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)",
                             "--screenshot=\(png)", "--window-size=900,900", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            process.terminate()
            process.waitUntilExit()
            return (false, -1)
        }
        return (true, process.terminationStatus)
    }
}

/// A PNG decoded by libpng to 8-bit RGBA, nil when libpng refuses it.
func decodeRGBA(_ data: Data) -> (width: Int, height: Int, pixels: [UInt8])? {
    let bytes = [UInt8](data)
    var image = png_image()
    image.version = cpng_image_version()
    guard bytes.withUnsafeBytes({ png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }) != 0 else { return nil }
    image.format = cpng_format_rgba()
    let width = Int(image.width), height = Int(image.height)
    var pixels = [UInt8](repeating: 0, count: width * height * 4)
    let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * 4), nil) }
    guard ok != 0 else {
        png_image_free(&image)
        return nil
    }
    return (width, height, pixels)
}
