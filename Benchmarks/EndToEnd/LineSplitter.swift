import NIOCore

/// Splits a streamed body into its newline-terminated lines, as Docker's events and etcd's watch send one JSON
/// value a line.
struct LineSplitter {
    private var pending: [UInt8] = []

    /// The complete lines the chunk ends, without their newline; blank ones left out.
    mutating func lines(in chunk: ByteBuffer) -> [[UInt8]] {
        pending.append(contentsOf: chunk.readableBytesView)
        var lines: [[UInt8]] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(pending[start..<newline])
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) { lines.append(line) }
            start = newline + 1
        }
        pending.removeFirst(start)
        return lines
    }
}
