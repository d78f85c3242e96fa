/// Where a scan of JSON text stands with respect to strings, byte by byte: what a splitter that follows only
/// the nesting of `{}` and `[]` must skip, escaped quotes included.
struct JSONStringState: Sendable {
    private(set) var inString = false
    private var escaped = false

    /// Takes the next byte; true when it belongs to a string (its quotes included), so it is no structure.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard inString else {
            inString = byte == UInt8(ascii: "\"")
            return inString
        }
        if escaped {
            escaped = false
        } else if byte == UInt8(ascii: "\\") {
            escaped = true
        } else if byte == UInt8(ascii: "\"") {
            inString = false
        }
        return true
    }

    /// JSON's whitespace between tokens.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t")
    }
}
