/// A port a container listens on, published or not: a key of its `Config.ExposedPorts` or
/// `NetworkSettings.Ports`.
///
/// It is written two ways, and read here alone: Docker's notation (`80/tcp`, `53/udp`, a bare `80` meaning
/// tcp), also that of the `presence.ports` label; and the key segment the agent writes (`80`, `53-udp`).
public struct ExposedPort: Sendable, Hashable, Comparable {
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`, lower-cased.
    public var transport: String

    public init(containerPort: Int, transport: String = "tcp") {
        self.containerPort = containerPort
        self.transport = transport.lowercased()
    }

    /// Reads Docker's notation: `80/tcp`, `53/UDP`, or a bare `80`; only tcp, udp and sctp.
    public init?(dockerNotation text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = Self.portNumber(parts[0]) else { return nil }
        let transport = parts.count > 1 ? parts[1].lowercased() : "tcp"
        guard ["tcp", "udp", "sctp"].contains(transport) else { return nil }
        self.init(containerPort: port, transport: transport)
    }

    /// Reads a key segment: `80` for tcp, `{port}-{protocol}` otherwise, the protocol in lower-case letters (a
    /// segment another writer made may name one the agent does not).
    public init?(segment: some StringProtocol) {
        let parts = segment.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = Self.portNumber(parts[0]) else { return nil }
        guard parts.count == 2 else {
            self.init(containerPort: port)
            return
        }
        let transport = parts[1]
        guard !transport.isEmpty, transport.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return nil }
        self.init(containerPort: port, transport: String(transport))
    }

    /// `80/tcp`: Docker's notation, and how a port is named in logs and selections.
    public var dockerNotation: String { "\(containerPort)/\(transport)" }

    /// A port number written in decimal, 1 to 65535, and nothing else.
    public static func portNumber(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0 >= "0" && $0 <= "9" }),
            let port = Int(text), (1...65535).contains(port)
        else { return nil }
        return port
    }

    public static func < (lhs: ExposedPort, rhs: ExposedPort) -> Bool {
        (lhs.containerPort, lhs.transport) < (rhs.containerPort, rhs.transport)
    }
}
