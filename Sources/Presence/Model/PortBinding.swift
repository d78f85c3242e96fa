/// One entry of a container's `NetworkSettings.Ports`: a container port bound to a host address.
public struct PortBinding: Sendable, Hashable {
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`, lower-cased.
    public var transport: String
    /// The binding's `HostIp` as Docker reports it: may be a wildcard (`0.0.0.0`, `::`) or empty.
    public var hostIP: String
    public var hostPort: Int

    public init(containerPort: Int, transport: String = "tcp", hostIP: String, hostPort: Int) {
        self.containerPort = containerPort
        self.transport = transport.lowercased()
        self.hostIP = hostIP
        self.hostPort = hostPort
    }

    /// True for the addresses Docker uses to mean "every interface".
    public var isWildcard: Bool { hostIP.isEmpty || hostIP == "0.0.0.0" || hostIP == "::" }

    /// True for an IPv6 address, including the IPv6 wildcard.
    public var isIPv6: Bool { hostIP.contains(":") }
}
