/// Why an input could not be decoded: the file, its format, what kind of problem, and where (line, byte
/// offset or point index) so that a user can find the broken spot without a hex editor.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The class of problem; tests and callers match on this rather than on message text.
    public enum Kind: String, Equatable, Sendable {
        /// Neither the extension nor the content tells which format this is.
        case unknownFormat
        /// The file does not start with the signature its format requires.
        case badMagic
        /// A header line or header field is malformed (wrong arity, bad keyword, bad syntax).
        case malformedHeader
        /// A header field every file of this format must have is absent.
        case missingField
        /// A valid file that uses a feature this decoder deliberately refuses (fortran order, compression, …).
        case unsupported
        /// The data ends before the header's promised content does.
        case truncated
        /// Bytes or lines remain after the content the header describes.
        case trailingData
        /// The data length does not match the shape the caller or the header gives.
        case sizeMismatch
        /// A declared size is beyond what this decoder will allocate.
        case tooLarge
        /// A record has the wrong number of values (columns, list entries, samples, channels).
        case wrongValueCount
        /// A token is not a number of the expected kind.
        case badNumber
        /// A value is a number but not an acceptable one (negative count, sample above maxval, …).
        case badValue
        /// A point coordinate is NaN or infinite (or does not fit in a float32).
        case nonFinite
        /// The cloud has no points.
        case noPoints
        /// The shape argument is missing, malformed, or does not apply to this format.
        case badShape
        /// libpng refused the image; its message is included.
        case png
    }

    /// Where in the file the problem is.
    public enum Location: Equatable, Sendable, CustomStringConvertible {
        /// 1-based line number, for text formats and text headers.
        case line(Int)
        /// 0-based byte offset, for binary formats.
        case byteOffset(Int)
        /// 0-based point index, for binary point records.
        case point(Int)

        public var description: String {
            switch self {
            case .line(let n): "line \(n)"
            case .byteOffset(let n): "byte offset \(n)"
            case .point(let n): "point \(n)"
            }
        }
    }

    /// The file name as the caller passed it ("" until `decodeInput` fills it in).
    public var name: String
    public var format: InputFormat?
    public var kind: Kind
    public var location: Location?
    /// The header field, property or column involved, when there is one.
    public var field: String?
    public var message: String

    public init(name: String = "", format: InputFormat?, kind: Kind, location: Location? = nil,
                field: String? = nil, message: String) {
        self.name = name
        self.format = format
        self.kind = kind
        self.location = location
        self.field = field
        self.message = message
    }

    public var description: String {
        var text = name.isEmpty ? "input" : name
        if let format { text += " (\(format.rawValue))" }
        if let location { text += ", \(location)" }
        if let field { text += ", field '\(field)'" }
        return text + ": " + message
    }
}
