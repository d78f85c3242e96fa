import AsyncHTTPClient
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The whole agent, wired from a configuration: the Docker client, the etcd store for the chosen API, the
/// reconciler, and the services that drive it.
///
/// Docker and etcd have a client each: etcd's carries its TLS configuration (`HTTPClient.makeEtcdClient`).
public struct Agent: Sendable {
    public let configuration: AgentConfiguration
    private let dockerHTTPClient: HTTPClient
    private let etcdHTTPClient: HTTPClient
    private let logger: Logger
    /// What `/metrics` shows; empty when no `--metrics-address` is given.
    private let registry = PrometheusCollectorRegistry()
    private let readiness = Readiness()

    public init(
        configuration: AgentConfiguration, dockerHTTPClient: HTTPClient, etcdHTTPClient: HTTPClient, logger: Logger
    ) {
        self.configuration = configuration
        self.dockerHTTPClient = dockerHTTPClient
        self.etcdHTTPClient = etcdHTTPClient
        self.logger = logger
    }

    /// The long-running services, in start order. The registration service comes first so that it stops
    /// last: it removes the keys after the event stream has closed.
    public func makeServices() -> [any Service] {
        let metrics =
            configuration.metricsAddress == nil
            ? PresenceMetrics.disabled : PresenceMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let transport = EtcdTransport(
            endpoints: configuration.etcdEndpoints, httpClient: etcdHTTPClient,
            timeout: min(.seconds(5), .seconds(configuration.ttl) / 2), tls: configuration.etcdTLS, logger: logger,
            metrics: metrics, readiness: readiness)
        let layout = configuration.layout
        let ttl = configuration.ttl
        let credentials = configuration.etcdCredentials
        let store: any RegistrationStore =
            switch configuration.etcdAPI {
            case .v3:
                EtcdV3Store(
                    session: EtcdV3Session(transport: transport, credentials: credentials, logger: logger),
                    layout: layout, ttl: ttl, logger: logger, metrics: metrics)
            case .v2:
                EtcdV2Store(
                    transport: transport, layout: layout, ttl: ttl, credentials: credentials, logger: logger,
                    metrics: metrics)
            }
        let docker = DockerClient(
            host: configuration.dockerHost, tls: configuration.dockerTLS, httpClient: dockerHTTPClient,
            readiness: readiness)
        let heartbeat = DockerHeartbeat()
        let queue = WorkQueue()
        let reconciler = Reconciler(
            selection: configuration.selection,
            docker: docker,
            store: store,
            layout: layout,
            hostIP: configuration.hostIP,
            hostIP6: configuration.hostIP6,
            addressing: configuration.addressing,
            respectingHealth: !configuration.ignoreHealth,
            ttl: .seconds(ttl),
            heartbeat: heartbeat,
            logger: logger,
            metrics: metrics
        )
        let services: [any Service] = [
            StartAnnouncement(announce: announce),
            RegistrationService(
                reconciler: reconciler, queue: queue, interval: configuration.interval,
                resyncPeriod: configuration.resync, shutdownTimeout: configuration.shutdownTimeout, ttl: ttl,
                logger: logger, metrics: metrics, readiness: readiness),
            DockerEventWatcher(
                docker: docker, selection: configuration.selection,
                inspectsOnNetworkEvents: configuration.addressing.mode == .container, queue: queue,
                heartbeat: heartbeat, logger: logger, metrics: metrics),
            StartupPagesRelease(readiness: readiness, interval: configuration.interval),
        ]
        guard let address = configuration.metricsAddress else { return services }
        // Last, so it stops first: it holds no state worth serving once the agent is shutting down.
        return services + [
            MetricsServer(
                address: address, registry: registry, readiness: readiness, ttl: .seconds(ttl), logger: logger)
        ]
    }

    /// Runs until SIGTERM or SIGINT, then removes every key and returns; throws if that removal failed.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: makeServices().map {
                    .init(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger
            ))
        try await group.run()
    }

    /// The start's log lines: the configuration, and the problems that do not stop the agent.
    private func announce() {
        let selection = configuration.selection
        logger.info(
            "presence started",
            metadata: [
                "containers": "\(selection.names.sorted().joined(separator: ","))",
                "all": "\(selection.all)",
                "labels":
                    "\(selection.labels.map { $0.key + ($0.value.map { "=" + $0 } ?? "") }.joined(separator: ","))",
                "prefix": "\(configuration.layout.prefix)",
                "formats": "\(configuration.layout.formats.map(\.description).joined(separator: ","))",
                "etcd": "\(configuration.etcdEndpoints.map(\.description).joined(separator: ","))",
                "api": "\(configuration.etcdAPI.rawValue)",
                "etcd-tls": "\(configuration.etcdTLS?.optionNames.joined(separator: ",") ?? "none")",
                "etcd-user": "\(configuration.etcdCredentials?.user ?? "none")",
                "docker": "\(configuration.dockerHost)",
                "address": "\(configuration.addressing.mode.rawValue)",
                "network": "\(configuration.addressing.network ?? "-")",
                "metrics": "\(configuration.metricsAddress?.description ?? "off")",
            ])
        warnAboutEtcdSecurity()
        warnAboutDockerSecurity()
    }

    /// Problems that do not stop the agent but that the operator should hear of at start.
    private func warnAboutEtcdSecurity() {
        if let credentials = configuration.etcdCredentials,
            let plain = configuration.etcdEndpoints.first(where: { $0.scheme == .http })
        {
            logger.warning(
                "the password of etcd user '\(credentials.user)' travels unencrypted to \(plain); use https://",
                metadata: ["endpoint": "\(plain)"])
        }
        if let problem = configuration.etcdTLS?.clientCertificateProblem() {
            logger.warning("\(problem); etcd will refuse it")
        }
    }

    private func warnAboutDockerSecurity() {
        if case .tcp(let host, _) = configuration.dockerHost, configuration.dockerTLS == nil,
            !DockerHost.isLoopback(host)
        {
            logger.warning(
                """
                Docker's API at \(configuration.dockerHost) is reached without TLS: whoever can reach that port \
                controls Docker; serve it with --tlsverify and set DOCKER_TLS_VERIFY and DOCKER_CERT_PATH
                """)
        }
        if let problem = configuration.dockerTLS?.clientCertificateProblem() {
            logger.warning("\(problem); Docker will refuse it")
        }
    }
}
