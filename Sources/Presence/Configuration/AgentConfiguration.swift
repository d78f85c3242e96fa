/// Everything the agent needs to run, validated.
public struct AgentConfiguration: Sendable {
    public var selection: ContainerSelection
    public var layout: KeyLayout
    /// The IPv4 address written for ports bound to every interface; `nil` asks Docker for its bridge's.
    public var hostIP: HostAddressSetting?
    /// The IPv6 address written for ports bound only to `::`; `nil` asks Docker for its bridge's IPv6 gateway.
    public var hostIP6: HostAddressSetting?
    /// Host or container addresses, and on which network.
    public var addressing: Addressing
    public var etcdAPI: EtcdAPIVersion
    public var etcdEndpoints: [EtcdEndpoint]
    /// The CA, client certificate and key for https endpoints; nil trusts the system's roots and sends no certificate.
    public var etcdTLS: ClientTLS?
    /// The etcd user to authenticate as; nil sends requests without authentication.
    public var etcdCredentials: EtcdCredentials?
    /// Seconds a registration lives in etcd unless refreshed.
    public var ttl: Int
    /// Time between two refreshes of the TTL.
    public var interval: Duration
    /// Time between two full comparisons of Docker with etcd, in case an event was lost.
    public var resync: Duration
    /// Register containers whatever their healthcheck says.
    public var ignoreHealth: Bool
    public var dockerHost: DockerHost
    /// The CA, client certificate and key for a `tcp://` Docker host served with TLS; nil speaks plain HTTP.
    public var dockerTLS: ClientTLS?
    /// How long SIGTERM may spend removing keys before the agent gives up and exits 1.
    public var shutdownTimeout: Duration
    /// Where to serve `/metrics`, `/healthz` and `/readyz`; nil serves nothing.
    public var metricsAddress: MetricsAddress?

    public init(
        selection: ContainerSelection,
        prefix: String = KeyLayout.defaultPrefix,
        formats: [RegistrationFormat.Name] = [.keys],
        domain: String? = nil,
        hostname: String = "localhost",
        hostIP: String? = nil,
        hostIP6: String? = nil,
        address: AddressMode = .host,
        network: String? = nil,
        etcdAPI: EtcdAPIVersion = .v3,
        etcdEndpoints: [EtcdEndpoint] = [EtcdEndpoint(host: "127.0.0.1")],
        etcdTLS: ClientTLS? = nil,
        etcdCredentials: EtcdCredentials? = nil,
        ttl: Int = 60,
        interval: Duration? = nil,
        resync: Duration = .seconds(300),
        ignoreHealth: Bool = false,
        dockerHost: DockerHost = .defaultValue,
        dockerTLS: ClientTLS? = nil,
        shutdownTimeout: Duration = .seconds(5),
        metricsAddress: String? = nil
    ) throws {
        guard ttl >= 2 else { throw ConfigurationError("--ttl must be at least 2 seconds, not \(ttl)") }
        // etcd's own client renews at a third of the TTL: two renewals may fail and the lease still holds.
        let interval = interval ?? .seconds(ttl) / 3
        guard interval > .zero else { throw ConfigurationError("--interval must be above 0 seconds") }
        guard interval < .seconds(ttl) else {
            throw ConfigurationError(
                "--interval (\(interval.seconds) s) must be below --ttl (\(ttl) s), or keys expire between refreshes")
        }
        guard resync >= interval else {
            throw ConfigurationError(
                "--resync (\(resync.seconds) s) must not be below --interval (\(interval.seconds) s)")
        }
        guard shutdownTimeout > .zero else { throw ConfigurationError("--shutdown-timeout must be above 0 seconds") }
        if let network, address != .container {
            throw ConfigurationError(
                "--network '\(network)' chooses the network of container addresses; add --address container")
        }
        if let network, network.isEmpty || network.contains(where: \.isWhitespace) {
            throw ConfigurationError("--network '\(network)' is not a network name")
        }
        guard !etcdEndpoints.isEmpty else { throw ConfigurationError("--etcd-endpoints needs at least one URL") }
        if let etcdTLS, !etcdEndpoints.contains(where: { $0.scheme == .https }) {
            // Certificates given for plain-http endpoints would be ignored, and the operator believe the link secure.
            throw ConfigurationError(
                "\(etcdTLS.optionNames.joined(separator: ", ")) given, but every --etcd-endpoints URL is "
                    + "http://; TLS needs https:// URLs")
        }
        self.selection = selection
        let formats = try RegistrationFormat.resolve(formats, domain: domain, hostname: hostname)
        self.layout = try KeyLayout(template: prefix, hostname: hostname, formats: formats)
        self.hostIP = try hostIP.map { try HostAddressSetting(parsing: $0, family: .ipv4) }
        self.hostIP6 = try hostIP6.map { try HostAddressSetting(parsing: $0, family: .ipv6) }
        self.addressing = Addressing(mode: address, network: network)
        self.etcdAPI = etcdAPI
        self.etcdEndpoints = etcdEndpoints
        self.etcdTLS = etcdTLS
        self.etcdCredentials = etcdCredentials
        self.ttl = ttl
        self.interval = interval
        self.resync = resync
        self.ignoreHealth = ignoreHealth
        if let dockerTLS, case .unix = dockerHost {
            throw ConfigurationError(
                "\(dockerTLS.optionNames.joined(separator: ", ")) given, but --docker-host is \(dockerHost); "
                    + "TLS needs a tcp:// host")
        }
        self.dockerHost = dockerHost
        self.dockerTLS = dockerTLS
        self.shutdownTimeout = shutdownTimeout
        self.metricsAddress = try metricsAddress.map(MetricsAddress.init)
    }
}
