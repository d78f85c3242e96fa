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
        case .table: FileDescriptorOutput.write(RegistryTable.render(listing.entries), to: 1)
        case .json: FileDescriptorOutput.write(RegistryJSON.render(listing.entries), to: 1)
        }
        if listing.entries.isEmpty { note("nothing registered under \(layout.displayRoot)") }
    }

    /// Prints one line per change; false once standard output is closed (its reader, such as `head`, is gone).
    @discardableResult
    func changes(_ changes: [RegisteredPortChange]) -> Bool {
        guard !changes.isEmpty else { return true }
        let lines = changes.map { output == .table ? RegistryTable.line($0) : RegistryJSON.line($0) }
        return FileDescriptorOutput.write(lines.joined(separator: "\n") + "\n", to: 1)
    }

    /// A line for the operator on standard error, as `presence: …`.
    func note(_ text: String) {
        FileDescriptorOutput.write("presence: \(text)\n", to: 2)
    }
}
