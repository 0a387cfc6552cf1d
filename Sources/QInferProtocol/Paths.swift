/// Where things are: the socket, the API's routes and its headers. Shared by qinferd and qinfer.
public enum APIPaths {
    public static let defaultSocket = "/run/qinferd/qinferd.sock"
    /// Environment variable the CLI reads when --socket is not given.
    public static let socketEnvironment = "QINFERD_SOCKET"
    public static let prefix = "/v1"

    public static let health = "\(prefix)/health"
    public static let models = "\(prefix)/models"
    public static let stats = "\(prefix)/stats"
    public static let metrics = "\(prefix)/metrics"
    public static let events = "\(prefix)/events"
    public static let reload = "\(prefix)/reload"
    public static let sources = "\(prefix)/sources"

    public static func model(_ name: String) -> String { "\(prefix)/models/\(name)" }
    public static func infer(_ name: String) -> String { "\(prefix)/models/\(name)/infer" }
    public static func activate(_ name: String) -> String { "\(prefix)/models/\(name)/activate" }
    public static func rollback(_ name: String) -> String { "\(prefix)/models/\(name)/rollback" }
    public static func version(_ name: String, _ version: String) -> String { "\(prefix)/models/\(name)/versions/\(version)" }

    /// Model names and versions are path segments and file names: a conservative alphabet, no dots at the start.
    public static func isValidName(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count), let first = s.utf8.first, first != UInt8(ascii: ".") && first != UInt8(ascii: "-") else {
            return false
        }
        return s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
    }
}

public enum APIHeaders {
    /// Shape of a raw little-endian float32 body, e.g. `1024,3`.
    public static let tensorShape = "X-Tensor-Shape"
    /// Format of a file body when the content type does not say (npy, f32, xyz, pts, ply, pcd, pgm, ppm, png).
    public static let inputFormat = "X-Input-Format"
}
