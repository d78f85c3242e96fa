/// One registered port parsed from its keys (`EtcdKeyValue`): which container, which of its ports, where to
/// dial it, and the keys it was read from.
public struct RegisteredPort: Sendable, Hashable {
    /// What names a registration: the container and its port and protocol. Two entries with one identity are
    /// the same registration, perhaps at another address.
    public struct Identity: Sendable, Hashable, Comparable {
        public var container: String
        public var containerPort: Int
        public var transport: String

        public static func < (lhs: Identity, rhs: Identity) -> Bool {
            (lhs.container, lhs.containerPort, lhs.transport) < (rhs.container, rhs.containerPort, rhs.transport)
        }
    }

    /// The container's name as the key names it (the DNS label for the skydns layout).
    public var container: String
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp`.
    public var transport: String
    public var host: String
    public var hostPort: Int
    /// Seconds left before etcd drops the registration; nil when it has no lease or TTL.
    public var ttl: Int?
    /// The full container id, when the layout records it (json).
    public var containerID: String?
    /// The etcd keys the entry was read from.
    public var keys: [String]

    public init(
        container: String, containerPort: Int, transport: String, host: String, hostPort: Int, ttl: Int? = nil,
        containerID: String? = nil, keys: [String]
    ) {
        self.container = container
        self.containerPort = containerPort
        self.transport = transport
        self.host = host
        self.hostPort = hostPort
        self.ttl = ttl
        self.containerID = containerID
        self.keys = keys
    }

    public var identity: Identity {
        Identity(container: container, containerPort: containerPort, transport: transport)
    }

    /// The port as people write it: `80/tcp`.
    public var portLabel: String { "\(containerPort)/\(transport)" }

    /// True when `other` registers the same thing; the TTL, which falls every second, does not count.
    public func registersSame(as other: RegisteredPort) -> Bool {
        var other = other
        other.ttl = ttl
        return self == other
    }
}
