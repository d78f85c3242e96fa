/// A container port as it is registered: one per container port and transport.
public struct PublishedPort: Sendable, Hashable, Comparable {
    public var containerPort: Int
    public var transport: String
    /// The address consumers should dial: the binding's own address, or the agent's host IP for a wildcard.
    public var host: String
    public var hostPort: Int

    public init(containerPort: Int, transport: String, host: String, hostPort: Int) {
        self.containerPort = containerPort
        self.transport = transport
        self.host = host
        self.hostPort = hostPort
    }

    /// The key segment naming the port: the number for tcp, `{port}-{transport}` otherwise, so tcp and udp on
    /// one number never collide.
    public var segment: String {
        transport == "tcp" ? String(containerPort) : "\(containerPort)-\(transport)"
    }

    public static func < (lhs: PublishedPort, rhs: PublishedPort) -> Bool {
        (lhs.containerPort, lhs.transport) < (rhs.containerPort, rhs.transport)
    }

    /// Reduces Docker's bindings to one published port per container port and transport, at an address a
    /// consumer can dial.
    ///
    /// Docker binds `0.0.0.0` and `::` for one `-p`; an IPv4 binding wins so each port is registered once. A
    /// wildcard address (including the empty one Podman reports) becomes the host's address of its family; a
    /// port bound only to `::` when no IPv6 address of the host is known is left out, and named in
    /// `unaddressable`, rather than registered at an IPv4 address where nothing listens.
    public static func from(
        _ bindings: [PortBinding], hosts: HostAddresses
    ) -> (ports: [PublishedPort], unaddressable: [String]) {
        var byPort: [ExposedPort: [PortBinding]] = [:]
        for binding in bindings where binding.hostPort > 0 && binding.containerPort > 0 {
            byPort[ExposedPort(containerPort: binding.containerPort, transport: binding.transport), default: []]
                .append(binding)
        }
        var ports: [PublishedPort] = []
        var unaddressable: [String] = []
        for (port, candidates) in byPort.sorted(by: { $0.key < $1.key }) {
            let chosen =
                candidates.first { !$0.isIPv6 } ?? candidates.first { !$0.isWildcard } ?? candidates[0]
            let host: String?
            if !chosen.isWildcard {
                host = chosen.hostIP
            } else if chosen.isIPv6 {
                host = hosts.ipv6
            } else {
                host = hosts.ipv4
            }
            guard let host else {
                unaddressable.append("\(port.containerPort)/\(port.transport)")
                continue
            }
            ports.append(
                PublishedPort(
                    containerPort: port.containerPort, transport: port.transport, host: host,
                    hostPort: chosen.hostPort))
        }
        return (ports, unaddressable)
    }

    /// Each of `exposed` at `address` on its own port number: the container's address on a network, or the
    /// host's for a container on the host's network, which listens on the host itself.
    public static func atContainerPorts(_ exposed: [ExposedPort], address: String) -> [PublishedPort] {
        exposed.map {
            PublishedPort(
                containerPort: $0.containerPort, transport: $0.transport, host: address, hostPort: $0.containerPort)
        }
    }

    /// The address as it stands before a `:port`: bracketed when it is IPv6.
    public var dialHost: String { host.contains(":") ? "[\(host)]" : host }
}
