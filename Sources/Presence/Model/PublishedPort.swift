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

    /// Reduces Docker's bindings to one published port per container port and transport.
    ///
    /// Docker binds `0.0.0.0` and `::` for one `-p`; the IPv4 binding wins so each port is registered once.
    /// Wildcard addresses (including the empty one Podman reports) become `defaultHost`.
    public static func from(_ bindings: [PortBinding], defaultHost: String) -> [PublishedPort] {
        var chosen: [String: PortBinding] = [:]
        var order: [String] = []
        for binding in bindings where binding.hostPort > 0 && binding.containerPort > 0 {
            let id = "\(binding.containerPort)/\(binding.transport)"
            guard let current = chosen[id] else {
                chosen[id] = binding
                order.append(id)
                continue
            }
            if current.isIPv6 && !binding.isIPv6 {
                chosen[id] = binding
            }
        }
        return order.compactMap { chosen[$0] }
            .map {
                PublishedPort(
                    containerPort: $0.containerPort,
                    transport: $0.transport,
                    host: $0.isWildcard ? defaultHost : $0.hostIP,
                    hostPort: $0.hostPort
                )
            }
            .sorted()
    }
}
