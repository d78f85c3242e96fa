/// Splits a byte stream of concatenated JSON objects (Docker's event stream, etcd's watch stream) into whole
/// objects, whatever the chunk boundaries.
///
/// It tracks only nesting and strings, so it never parses an object twice; the caller decodes each one.
/// An object larger than `maximumObjectSize` is dropped rather than buffered.
///
/// Both streams write one object per line and escape newlines inside strings, so a raw newline inside an object
/// proves the object was cut short: it is reported and the splitter starts afresh at the next `{`, rather than
/// reading every later object as part of the broken one.
public struct JSONObjectSplitter: Sendable {
    public enum Output: Sendable, Equatable {
        case object([UInt8])
        case malformed(String)
    }

    public let maximumObjectSize: Int
    private var buffer: [UInt8] = []
    private var depth = 0
    private var strings = JSONStringState()
    private var oversized = false

    public init(maximumObjectSize: Int = 1 << 20) {
        self.maximumObjectSize = maximumObjectSize
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Output] {
        var outputs: [Output] = []
        var garbage = 0
        for byte in bytes {
            if depth == 0 {
                switch byte {
                case UInt8(ascii: "{"):
                    depth = 1
                    buffer = [byte]
                    oversized = false
                case _ where JSONStringState.isWhitespace(byte):
                    break
                default:
                    garbage += 1
                }
                continue
            }
            if byte == UInt8(ascii: "\n") {
                outputs.append(.malformed(cutShort()))
                continue
            }
            if !oversized {
                if buffer.count >= maximumObjectSize {
                    oversized = true
                    buffer = []
                } else {
                    buffer.append(byte)
                }
            }
            if strings.consume(byte) { continue }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    outputs.append(oversized ? .malformed(droppedAsOversized) : .object(buffer))
                    buffer = []
                }
            default: break
            }
        }
        if garbage > 0 { outputs.append(.malformed("\(garbage) bytes outside any JSON object were skipped")) }
        return outputs
    }

    private var droppedAsOversized: String { "an object over \(maximumObjectSize) bytes was dropped" }

    /// Forgets the object a newline cut short, and says what was lost.
    private mutating func cutShort() -> String {
        let reason =
            oversized
            ? droppedAsOversized
            : "an object cut short after \(buffer.count) bytes was dropped: "
                + String(decoding: buffer.prefix(120), as: UTF8.self)
        buffer = []
        depth = 0
        strings = JSONStringState()
        oversized = false
        return reason
    }
}
