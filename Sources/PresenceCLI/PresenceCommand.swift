import ArgumentParser
import AsyncHTTPClient
import Logging
import NIOCore
import Presence

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@main
struct PresenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presence",
        abstract: "Keep the published ports of a host's Docker containers registered in etcd.",
        discussion: """
            While a selected container runs (not paused, and healthy if it has a healthcheck), each published \
            port is in etcd under a TTL that the agent keeps alive:
              {prefix}/{container}/{port}/host   the host address to dial
              {prefix}/{container}/{port}/port   the host port
            {port} is the container port for tcp and {port}-{protocol} otherwise (53-udp). \
            The agent follows Docker's events, so keys appear and vanish within milliseconds; they are \
            deleted on SIGTERM or SIGINT, and expire by themselves if the agent or its host dies.

            Labels on a container refine it: presence.ignore=true leaves it out, presence.ports=80,443/udp \
            registers only those ports, presence.name=NAME registers it under another name, \
            presence.network=NETWORK chooses the network of --address container.

            The host address is this host's on Docker's bridge, or --host-ip (an address or an interface); \
            --address container registers each container's own address and container port instead.

            --format json writes one key per port holding JSON instead, --format skydns records for CoreDNS; \
            'presence list' prints what is registered. Every option can also be set as PRESENCE_<OPTION> \
            (PRESENCE_ETCD_ENDPOINTS for --etcd-endpoints); the command line wins.
            """,
        version: PresenceVersion.current,
        subcommands: [ListCommand.self]
    )

    @Option(
        name: .customLong("container"),
        help: "Register this container (by name); repeatable. Env: PRESENCE_CONTAINER (comma-separated).")
    var containers: [String] = []

    @Flag(help: "Register every container that publishes a port. Env: PRESENCE_ALL (true or false).")
    var all = false

    @Option(
        name: .customLong("label"),
        help: .init(
            "Register containers with this label (KEY or KEY=VALUE); repeatable, all must match. "
                + "Env: PRESENCE_LABEL (comma-separated)."))
    var labels: [String] = []

    @Option(
        help:
            "Where keys go: an absolute path with no empty or '..' segments; {hostname} is replaced. Env: PRESENCE_PREFIX."
    )
    var prefix: String = KeyLayout.defaultPrefix

    @Option(
        name: .customLong("format"),
        help: .init(
            "What consumers read: keys (the layout above), json (one key per port holding JSON) or skydns "
                + "(CoreDNS records, needs --domain); repeatable. Env: PRESENCE_FORMAT (comma-separated). "
                + "(default: keys)", valueName: "format"))
    var formats: [RegistrationFormat.Name] = []

    @Option(
        help: .init(
            "The DNS zone of --format skydns (e.g. containers.example.org); {hostname} is replaced. "
                + "Env: PRESENCE_DOMAIN.",
            valueName: "domain"))
    var domain: String?

    @Option(
        help: .init(
            "The name {hostname} in --prefix and --domain stands for. Env: PRESENCE_HOSTNAME. "
                + "(default: this host's name)"))
    var hostname: String?

    @Option(
        name: .customLong("address"),
        help: .init(
            "What a registration gives consumers: host (the host's address and the published port) or container "
                + "(the container's address on a Docker network and the container port, for every exposed port, "
                + "published or not). Env: PRESENCE_ADDRESS.",
            valueName: "mode"))
    var address: AddressMode = .host

    @Option(
        name: .customLong("network"),
        help: .init(
            "With --address container, the Docker network whose addresses are registered. Env: PRESENCE_NETWORK. "
                + "(default: a container's presence.network label, else its only network; a container on "
                + "several networks with neither is skipped with a warning)",
            valueName: "network"))
    var network: String?

    @Option(
        name: .customLong("host-ip"),
        help: .init(
            "The IPv4 address written for ports bound to 0.0.0.0 or nothing, and for containers on the host's "
                + "network: an address, or an interface of the host whose address is used (eth0), read again on "
                + "every resync. Env: PRESENCE_HOST_IP. (default: this host's address on Docker's bridge)",
            valueName: "address-or-interface"))
    var hostIP: String?

    @Option(
        name: .customLong("host-ip6"),
        help: .init(
            "The IPv6 address written for ports bound only to ::, an address or an interface. Without it, the "
                + "IPv6 gateway of Docker's bridge or of the container's network; with neither, such ports are "
                + "skipped with a warning. Env: PRESENCE_HOST_IP6.",
            valueName: "address-or-interface"))
    var hostIP6: String?

    @Option(
        name: .customLong("etcd-api"),
        help: "The etcd API to write through: v3 (leases) or v2 (TTL directories). Env: PRESENCE_ETCD_API.")
    var etcdAPI: EtcdAPIVersion = .v3

    @Option(
        name: .customLong("etcd-endpoints"),
        help: .init(
            "Comma-separated etcd URLs, tried in turn. Env: PRESENCE_ETCD_ENDPOINTS or ETCD_ENDPOINTS. "
                + "(default: http://127.0.0.1:2379)"))
    var etcdEndpoints: String?

    @OptionGroup(title: "Securing the link to etcd")
    var etcdSecurity: EtcdSecurityOptions<PresenceCommand>

    @Option(help: "Seconds a registration outlives the agent if it is killed; at least 2. Env: PRESENCE_TTL.")
    var ttl: Int = 60

    @Option(
        help: .init(
            "Seconds between refreshes of the TTL, each after a check that Docker answers; below --ttl. A failed "
                + "refresh is retried at once. Env: PRESENCE_INTERVAL. (default: a third of --ttl, so that two "
                + "failed refreshes still fit in one TTL)"))
    var interval: Double?

    @Option(
        help: .init(
            "Seconds between full comparisons of Docker with etcd, in case an event was lost; not below --interval. "
                + "Env: PRESENCE_RESYNC."))
    var resync: Double = 300

    @Flag(
        name: .customLong("ignore-health"),
        help: "Register containers whatever their healthcheck says. Env: PRESENCE_IGNORE_HEALTH (true or false).")
    var ignoreHealth = false

    @Option(
        name: .customLong("docker-host"),
        help: .init(
            "The Docker Engine API: unix:///path or tcp://host:port (with TLS: DOCKER_TLS_VERIFY, DOCKER_CERT_PATH or "
                + "--docker-cacert). Env: PRESENCE_DOCKER_HOST or DOCKER_HOST. (default: unix:///var/run/docker.sock)"))
    var dockerHost: String?

    @OptionGroup(title: "Securing the link to Docker")
    var dockerSecurity: DockerSecurityOptions

    @Option(
        name: .customLong("shutdown-timeout"),
        help: "Seconds SIGTERM may spend removing keys before exiting 1. Env: PRESENCE_SHUTDOWN_TIMEOUT.")
    var shutdownTimeout: Double = 5

    @Option(
        name: .customLong("metrics-address"),
        help: .init(
            "Serve /metrics, /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9180); off by default. "
                + "Env: PRESENCE_METRICS_ADDRESS."))
    var metricsAddress: String?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical. Env: PRESENCE_LOG_LEVEL.")
    var logLevel: Logger.Level = .info

    @Option(
        name: .customLong("log-format"),
        help: "text, or json for one JSON object per line with every field apart. Env: PRESENCE_LOG_FORMAT.")
    var logFormat: LogFormat = .text

    /// Bad input is a usage error (exit 64), found before anything runs. Not in `validate()`: ArgumentParser
    /// validates the root before a subcommand too, and `presence list` selects no container.
    func run() async throws {
        let agentConfiguration = try agentConfiguration()
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in format.standardErrorHandler(label: label, level: level) }
        let logger = Logger(label: "presence")
        let dockerHTTPClient = HTTPClient.makeDockerClient(tls: agentConfiguration.dockerTLS)
        let etcdHTTPClient = HTTPClient.makeEtcdClient(tls: agentConfiguration.etcdTLS)
        let agent = Agent(
            configuration: agentConfiguration, dockerHTTPClient: dockerHTTPClient, etcdHTTPClient: etcdHTTPClient,
            logger: logger)
        do {
            try await agent.run()
            try await dockerHTTPClient.shutdown()
            try await etcdHTTPClient.shutdown()
        } catch {
            try? await dockerHTTPClient.shutdown()
            try? await etcdHTTPClient.shutdown()
            logger.error("\(error)", metadata: (error as? PresenceError)?.container.map { ["container": "\($0)"] })
            throw ExitCode.failure
        }
    }
}
