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
            While a selected container runs (not paused, and healthy if it has a healthcheck), each published
            port is in etcd under a TTL that the agent keeps alive:
              {prefix}/{container}/{port}/host   the host address to dial
              {prefix}/{container}/{port}/port   the host port
            {port} is the container port for tcp and {port}-{protocol} otherwise (53-udp).
            The agent follows Docker's events, so keys appear and vanish within milliseconds; they are
            deleted on SIGTERM or SIGINT, and expire by themselves if the agent or its host dies.

            Labels on a container refine it: presence.ignore=true leaves it out, presence.ports=80,443/udp
            registers only those ports, presence.name=NAME registers it under another name.
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
        name: .customLong("host-ip"),
        help: .init(
            "The address written for ports bound to 0.0.0.0, :: or nothing. Env: PRESENCE_HOST_IP.",
            discussion: "Default: the gateway of Docker's bridge network, or \(Reconciler.fallbackHostIP)."))
    var hostIP: String?

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
    var etcdSecurity: EtcdSecurityOptions

    @Option(help: "Seconds a registration outlives the agent if it is killed; at least 2. Env: PRESENCE_TTL.")
    var ttl: Int = 60

    @Option(
        help: "Seconds between checks of the container and refreshes of the TTL; below --ttl. Env: PRESENCE_INTERVAL.")
    var interval: Double = 30

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
            "The Docker Engine API: unix:///path or tcp://host:port. Env: PRESENCE_DOCKER_HOST or DOCKER_HOST. "
                + "(default: unix:///var/run/docker.sock)"))
    var dockerHost: String?

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

    /// Parses, runs, and reports bad input as one line (`presence: …`) with exit 64, for scripts and logs.
    /// Options missing from the command line come from their PRESENCE_* variables (`OptionEnvironment`).
    static func main() async {
        var optionEnvironment: OptionEnvironment?
        do {
            optionEnvironment = try OptionEnvironment(
                arguments: Array(CommandLine.arguments.dropFirst()),
                description: try CommandLineDescription(json: _dumpHelp()), environment: environment)
            var command = try parseAsRoot(optionEnvironment?.arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            exitWithUsageError(error.message)
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let message = message(for: error)
            let variables = optionEnvironment?.variables(blamedIn: message) ?? []
            exitWithUsageError((variables.isEmpty ? "" : variables.joined(separator: ", ") + ": ") + message)
        }
    }

    private static func exitWithUsageError(_ message: String) -> Never {
        let line = "presence: \(message) (see 'presence --help')\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        Glibc.exit(ExitCode.validationFailure.rawValue)
    }

    private func agentConfiguration() throws -> AgentConfiguration {
        do {
            return try AgentConfiguration(
                selection: ContainerSelection(
                    names: containers, all: all, labels: labels.map(ContainerSelection.LabelRequirement.init)),
                prefix: prefix,
                formats: formats,
                domain: domain,
                hostname: hostname ?? Self.systemHostname(),
                hostIP: hostIP,
                etcdAPI: etcdAPI,
                etcdEndpoints: try EtcdEndpoint.list(
                    etcdEndpoints ?? environment("ETCD_ENDPOINTS") ?? "http://127.0.0.1:2379"),
                etcdTLS: try etcdSecurity.tls(environment: environment),
                etcdCredentials: try etcdSecurity.credentials(environment: environment),
                ttl: ttl,
                interval: try seconds(interval, option: "--interval"),
                resync: try seconds(resync, option: "--resync"),
                ignoreHealth: ignoreHealth,
                dockerHost: try DockerHost(dockerHost ?? environment("DOCKER_HOST") ?? "unix:///var/run/docker.sock"),
                shutdownTimeout: try seconds(shutdownTimeout, option: "--shutdown-timeout"),
                metricsAddress: metricsAddress
            )
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
    }

    /// Bad input is a usage error (exit 64), found before anything runs. Not in `validate()`: ArgumentParser
    /// validates the root before a subcommand too, and `presence list` selects no container.
    func run() async throws {
        let agentConfiguration = try agentConfiguration()
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in format.standardErrorHandler(label: label, level: level) }
        let logger = Logger(label: "presence")
        let dockerHTTPClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(timeout: .init(connect: .seconds(2)))
        )
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

    private static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(cString: buffer)
    }

    private func environment(_ name: String) -> String? {
        Self.environment(name)
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    private func seconds(_ value: Double, option: String) throws -> Duration {
        guard value.isFinite, value > 0, value < 86_400 * 365 else {
            throw ConfigurationError("\(option) must be a number of seconds above 0, not \(value)")
        }
        return .milliseconds(Int64(value * 1000))
    }
}

extension EtcdAPIVersion: ExpressibleByArgument {}
extension RegistrationFormat.Name: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
