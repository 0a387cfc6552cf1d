/// The input file formats `qinfer run` and the daemon's infer endpoint accept.
public enum InputFormat: String, CaseIterable, Equatable, Sendable {
    /// NumPy .npy, versions 1.0–3.0, dtypes f4/f8/u1/i1, C order.
    case npy
    /// Raw little-endian float32; the shape comes from the caller.
    case f32
    /// Point cloud as text, one point per line: x y z [ignored columns…].
    case xyz
    /// Like xyz, optionally preceded by a line holding the point count.
    case pts
    /// Stanford PLY point cloud (ascii, binary little- or big-endian).
    case ply
    /// Point Cloud Library PCD v0.7 (ascii or binary).
    case pcd
    /// Netpbm gray image (P2, P5).
    case pgm
    /// Netpbm RGB image (P3, P6).
    case ppm
    /// PNG via libpng; decoded to 8-bit gray or RGB.
    case png

    /// The format a file name's extension names (case-insensitive), or nil when it names none of ours.
    public init?(fileName: String) {
        guard let ext = Self.fileExtension(fileName) else { return nil }
        self.init(rawValue: ext)
    }

    /// A file name's extension, lower-cased, without the dot; nil for none (or a dot file such as ".npy").
    public static func fileExtension(_ fileName: String) -> String? {
        let lastComponent = fileName.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = lastComponent.lastIndex(of: "."), dot != lastComponent.startIndex else { return nil }
        return lastComponent[lastComponent.index(after: dot)...].lowercased()
    }

    /// The format the content's leading bytes identify, or nil. Raw .f32 has no signature and is never sniffed.
    public init?(sniffing bytes: [UInt8]) {
        if let format = FormatSniffer.sniff(bytes) { self = format } else { return nil }
    }
}
