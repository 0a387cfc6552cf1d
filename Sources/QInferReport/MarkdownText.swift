// Names, paths and board strings are data, not markdown: a model called "a<b&c" must not open an HTML tag, and a "|"
// must not split a table cell. The tool's own messages (the missing baselines' how-to) keep their code spans.
enum MarkdownText {
    /// Plain text as inline markdown: every character markdown or a table could read as syntax is backslash-escaped
    /// (CommonMark allows that for any ASCII punctuation) and line breaks become spaces.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "#", "!", "~":
                out.append("\\")
                out.append(ch)
            case "\n", "\r", "\r\n":
                out.append(" ")
            default:
                out.append(ch)
            }
        }
        return out
    }

    /// Like `escape`, but code spans (`like this`) pass through as written, so a how-to's command stays a command.
    /// Only "|" inside a span is escaped (GFM tables split on it even there) and line breaks become spaces.
    static func escapeKeepingCode(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            guard chars[i] == "`" else {
                let start = i
                while i < chars.count && chars[i] != "`" { i += 1 }
                out += escape(String(chars[start..<i]))
                continue
            }
            let open = backtickRun(chars, at: i)
            if let close = closingRun(chars, from: i + open, length: open) {
                let span = String(chars[i..<(close + open)])
                out += span.replacingNewlines().replacingPipes()
                i = close + open
            } else {
                out += String(repeating: "\\`", count: open)
                i += open
            }
        }
        return out
    }

    /// A fence longer than any backtick run inside `text`, so the block cannot end early.
    static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for ch in text {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    private static func backtickRun(_ chars: [Character], at i: Int) -> Int {
        var n = 0
        while i + n < chars.count && chars[i + n] == "`" { n += 1 }
        return n
    }

    private static func closingRun(_ chars: [Character], from start: Int, length: Int) -> Int? {
        var i = start
        while i < chars.count {
            if chars[i] == "`" {
                let n = backtickRun(chars, at: i)
                if n == length { return i }
                i += n
            } else {
                i += 1
            }
        }
        return nil
    }
}

private extension String {
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }

    func replacingPipes() -> String {
        var out = ""
        for ch in self {
            if ch == "|" { out += "\\|" } else { out.append(ch) }
        }
        return out
    }
}
