import NIOCore

/// Decodes Docker's list of containers (`GET /containers/json`), a large one in parts side by side.
///
/// With a full host the decode was most of the agent's own work at a start, between Docker's answer and the
/// first write: about 50 µs an entry. A listing is an array of objects, so it is cut between entries, at a
/// comma outside every string and object, into as many runs of whole entries as there are cores (at most 4);
/// each run is decoded as an array of its own, and the parts are joined in order.
enum ContainerListing {
    /// Below this many bytes (a few dozen containers) one decode costs less than starting the others.
    static let splitThreshold = 32 * 1024

    static func decode(
        _ bytes: [UInt8], cores: Int = System.coreCount, splitThreshold: Int = splitThreshold
    ) async throws -> [ContainerSummary] {
        let parts = min(4, cores)
        guard bytes.count >= splitThreshold, parts > 1, let runs = entryRuns(of: bytes, parts: parts), runs.count > 1
        else {
            return try JSONDecoder().decode([ContainerSummary].self, from: Data(bytes))
        }
        return try await withThrowingTaskGroup(of: (Int, [ContainerSummary]).self) { group in
            for (index, run) in runs.enumerated() {
                group.addTask {
                    var array = [UInt8(ascii: "[")]
                    array.append(contentsOf: bytes[run])
                    array.append(UInt8(ascii: "]"))
                    return (index, try JSONDecoder().decode([ContainerSummary].self, from: Data(array)))
                }
            }
            var decoded = [[ContainerSummary]](repeating: [], count: runs.count)
            for try await (index, summaries) in group { decoded[index] = summaries }
            return decoded.flatMap { $0 }
        }
    }

    /// The byte ranges of `parts` runs of whole entries of the JSON array `bytes`, cut at the entry separators
    /// nearest to equal shares; nil unless `bytes` is one well-nested array (the whole decode then says what is
    /// wrong with it).
    static func entryRuns(of bytes: [UInt8], parts: Int) -> [Range<Int>]? {
        var separators: [Int] = []
        var depth = 0
        var strings = JSONStringState()
        var start: Int?
        var end: Int?
        for (offset, byte) in bytes.enumerated() {
            if end != nil {
                // Only whitespace may follow the array.
                guard JSONStringState.isWhitespace(byte) else { return nil }
                continue
            }
            if strings.consume(byte) {
                // A string outside the array is no listing.
                guard depth > 0 else { return nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 0 {
                    guard byte == UInt8(ascii: "[") else { return nil }
                    start = offset + 1
                }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                guard depth > 0 else { return nil }
                depth -= 1
                if depth == 0 {
                    // The runs are decoded in brackets of their own: the array's own must match.
                    guard byte == UInt8(ascii: "]") else { return nil }
                    end = offset
                }
            case UInt8(ascii: ","):
                if depth == 1 { separators.append(offset) }
            default:
                guard depth > 0 || JSONStringState.isWhitespace(byte) else { return nil }
            }
        }
        guard let start, let end, !strings.inString else { return nil }
        // The separator nearest each share's end; each separator used once, in order.
        var cuts: [Int] = []
        var next = 0
        for share in 1..<parts {
            let target = start + (end - start) * share / parts
            while next + 1 < separators.count && abs(separators[next + 1] - target) <= abs(separators[next] - target) {
                next += 1
            }
            guard next < separators.count else { break }
            if cuts.last.map({ $0 < separators[next] }) ?? true { cuts.append(separators[next]) }
            next += 1
        }
        var runs: [Range<Int>] = []
        var from = start
        for cut in cuts {
            runs.append(from..<cut)
            from = cut + 1
        }
        runs.append(from..<end)
        return runs
    }
}
