// ssh://[user@]host[:port], validated strictly: the parts become ssh's own arguments, so anything that could be read
// as an option or that ssh would interpret differently from what the URL says is refused instead of passed on.

/// A board as ssh reaches it: an optional login, a host (a name, a ~/.ssh/config alias or an address) and an optional port.
public struct SshDestination: Sendable, Equatable, CustomStringConvertible {
    public let user: String?
    public let host: String
    public let port: Int?

    /// Why a URL was refused (the caller adds the URL and the expected form).
    public struct ParseError: Error, Sendable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    public init(user: String?, host: String, port: Int?) {
        self.user = user
        self.host = host
        self.port = port
    }

    /// Parses `ssh://[user@]host[:port]` (an IPv6 address in brackets: `ssh://[fe80::1]:2222`); a trailing `/` is allowed.
    public init(url: String) throws(ParseError) {
        guard url.hasPrefix("ssh://") else { throw ParseError("not an ssh:// URL") }
        var rest = Substring(url.dropFirst("ssh://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains("/") || rest.contains("?") || rest.contains("#") {
            throw ParseError("an ssh:// host takes no path, query or fragment (the board's socket is --socket)")
        }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            let name = String(rest[..<at])
            guard Self.isValidUser(name) else {
                throw ParseError("the user '\(name)' is not a login name (letters, digits, . _ - and no leading -)")
            }
            user = name
            rest = rest[rest.index(after: at)...]
        }
        let hostPart: Substring, portPart: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ParseError("the IPv6 address has no closing ']'") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw ParseError("unexpected '\(after)' after the IPv6 address") }
            portPart = after.isEmpty ? nil : after.dropFirst()
            // An address, then perhaps a zone (`%eth0`).
            let address = hostPart.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = address.first, !first.isEmpty, first.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }),
                  address.count == 1 || (!address[1].isEmpty && address[1].unicodeScalars.allSatisfy(Self.isNameCharacter)) else {
                throw ParseError("'\(hostPart)' is not an IPv6 address")
            }
        } else {
            if let colon = rest.firstIndex(of: ":") {
                hostPart = rest[..<colon]
                portPart = rest[rest.index(after: colon)...]
            } else {
                hostPart = rest
                portPart = nil
            }
            guard !hostPart.isEmpty else { throw ParseError("there is no host") }
            guard Self.isValidHostName(hostPart) else {
                throw ParseError("the host '\(hostPart)' is not a host name or address (letters, digits, . _ - and no leading -)")
            }
        }
        var port: Int?
        if let portPart {
            guard let number = Int(portPart), portPart.allSatisfy(\.isASCII), (1...65535).contains(number),
                  portPart.allSatisfy({ $0 >= "0" && $0 <= "9" }) else {
                throw ParseError("the port '\(portPart)' is not a number from 1 to 65535")
            }
            port = number
        }
        self.init(user: user, host: String(hostPart), port: port)
    }

    /// The URL again, as messages show it.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "ssh://" + (user.map { "\($0)@" } ?? "") + h + (port.map { ":\($0)" } ?? "")
    }

    private static func isValidUser(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 256 && !s.hasPrefix("-") && s.unicodeScalars.allSatisfy(isNameCharacter)
    }

    private static func isValidHostName(_ s: Substring) -> Bool {
        s.count <= 253 && !s.hasPrefix("-") && s.unicodeScalars.allSatisfy(isNameCharacter)
    }

    private static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "-" || c == "_"
    }
}
