/// A port a container listens on, published or not: a key of its `Config.ExposedPorts` or
/// `NetworkSettings.Ports`.
public struct ExposedPort: Sendable, Hashable, Comparable {
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`, lower-cased.
    public var transport: String

    public init(containerPort: Int, transport: String = "tcp") {
        self.containerPort = containerPort
        self.transport = transport.lowercased()
    }

    public static func < (lhs: ExposedPort, rhs: ExposedPort) -> Bool {
        (lhs.containerPort, lhs.transport) < (rhs.containerPort, rhs.transport)
    }
}
