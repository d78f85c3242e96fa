#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes listings and watch lines to standard output, and everything else (skipped keys, an empty registry,
/// a lost connection) to standard error, so the output stays machine-readable.
///
/// Each call is written out at once, unbuffered: a watch's lines must reach a pipe as they happen.
struct RegistryPrinter: Sendable {
    let output: RegistryOutput
    let layout: RegistryLayout

    func listing(_ listing: RegistryListing) {
        for problem in listing.problems { note("\(problem)") }
        switch output {
        case .table: write(RegistryTable.render(listing.entries), to: 1)
        case .json: write(RegistryJSON.render(listing.entries), to: 1)
        }
        if listing.entries.isEmpty { note("nothing registered under \(layout.displayRoot)") }
    }

    /// Prints one line per change; false once standard output is closed (its reader, such as `head`, is gone).
    @discardableResult
    func changes(_ changes: [RegistryChange]) -> Bool {
        guard !changes.isEmpty else { return true }
        let lines = changes.map { output == .table ? RegistryTable.line($0) : RegistryJSON.line($0) }
        return write(lines.joined(separator: "\n") + "\n", to: 1)
    }

    /// A line for the operator on standard error, as `presence: …`.
    func note(_ text: String) {
        write("presence: \(text)\n", to: 2)
    }

    /// Writes all of `text`; false if the descriptor no longer takes it. SIGPIPE is ignored in this process (NIO
    /// ignores it), so a closed pipe shows only here.
    @discardableResult
    private func write(_ text: String, to descriptor: Int32) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            bytes = bytes.dropFirst(written)
        }
        return true
    }
}
