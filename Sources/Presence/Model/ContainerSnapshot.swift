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
