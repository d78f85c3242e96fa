/// Reads the key segment that names a port: the number for tcp (`80`), `{port}-{protocol}` otherwise (`53-udp`).
enum PortSegment {
    static func parse(_ segment: some StringProtocol) -> (port: Int, transport: String)? {
        let parts = segment.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = portNumber(parts[0]) else { return nil }
        guard parts.count == 2 else { return (port, "tcp") }
        let transport = parts[1]
        guard !transport.isEmpty, transport.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return nil }
        return (port, String(transport))
    }

    /// A port number written in decimal, 1 to 65535, and nothing else.
    static func portNumber(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0 >= "0" && $0 <= "9" }),
            let port = Int(text), (1...65535).contains(port)
        else { return nil }
        return port
    }
}
