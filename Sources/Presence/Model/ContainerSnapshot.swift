/// What Docker says about one container, reduced to what registration needs.
public struct ContainerSnapshot: Sendable, Equatable {
    /// Docker's container name without its leading slash.
    public var name: String
    public var id: String
    public var isRunning: Bool
    public var isPaused: Bool
    /// The healthcheck's status (`starting`, `healthy`, `unhealthy`), or `nil` when the container has none.
    public var health: String?
    /// Every published port binding, in the order Docker reports them.
    public var bindings: [PortBinding]
    public var labels: [String: String]
    /// Every port the container exposes (`EXPOSE`, `--expose` or `-p`), published or not, in port order.
    public var exposedPorts: [ExposedPort]
    /// The Docker networks it is attached to, by network name.
    public var networks: [String: NetworkAttachment]
    /// True when it shares the host's network stack (`--network host`): its ports are the host's.
    public var usesHostNetwork: Bool
    /// The gateway of its default bridge network as the engine reports it (`NetworkSettings.Gateway`): the
    /// host's address on that bridge.
    public var bridgeGateway: String?

    public init(
        name: String,
        id: String,
        isRunning: Bool,
        isPaused: Bool = false,
        health: String? = nil,
        bindings: [PortBinding],
        labels: [String: String] = [:],
        exposedPorts: [ExposedPort] = [],
        networks: [String: NetworkAttachment] = [:],
        usesHostNetwork: Bool = false,
        bridgeGateway: String? = nil
    ) {
        self.name = name
        self.id = id
        self.isRunning = isRunning
        self.isPaused = isPaused
        self.health = health
        self.bindings = bindings
        self.labels = labels
        self.exposedPorts = exposedPorts
        self.networks = networks
        self.usesHostNetwork = usesHostNetwork
        self.bridgeGateway = bridgeGateway
    }

    /// True while its processes run, are not frozen, and (with `respectingHealth`) any healthcheck passes.
    public func isServing(respectingHealth: Bool = true) -> Bool {
        isRunning && !isPaused && (!respectingHealth || health == nil || health == "healthy")
    }
}

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
