import AsyncHTTPClient
import Logging
import ServiceLifecycle
import UnixSignals

/// The whole agent, wired from a configuration: the Docker client, the etcd store for the chosen API, the
/// reconciler and the service that drives it.
public struct Agent: Sendable {
    public let configuration: AgentConfiguration
    private let httpClient: HTTPClient
    private let logger: Logger

    public init(configuration: AgentConfiguration, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The long-running services, in start order: the first stops last.
    public func makeServices() -> [any Service] {
        let transport = EtcdTransport(
            endpoints: configuration.etcdEndpoints, httpClient: httpClient,
            timeout: min(.seconds(5), .seconds(configuration.ttl) / 2), logger: logger)
        let store: any RegistrationStore =
            switch configuration.etcdAPI {
            case .v3: EtcdV3Store(transport: transport, layout: configuration.layout, ttl: configuration.ttl, logger: logger)
            case .v2: EtcdV2Store(transport: transport, layout: configuration.layout, ttl: configuration.ttl, logger: logger)
            }
        let reconciler = Reconciler(
            containers: configuration.containers,
            docker: DockerClient(host: configuration.dockerHost, httpClient: httpClient),
            store: store,
            layout: configuration.layout,
            hostIP: configuration.hostIP,
            logger: logger
        )
        return [
            RegistrationService(
                reconciler: reconciler, interval: configuration.interval,
                shutdownTimeout: configuration.shutdownTimeout, ttl: configuration.ttl, logger: logger)
        ]
    }

    /// Runs until SIGTERM or SIGINT, then removes every key and returns; throws if that removal failed.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: makeServices().map {
                    .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger
            ))
        logger.info(
            "presence started",
            metadata: [
                "containers": "\(configuration.containers.joined(separator: ","))",
                "etcd": "\(configuration.etcdEndpoints.map(\.description).joined(separator: ","))",
                "api": "\(configuration.etcdAPI.rawValue)",
                "docker": "\(configuration.dockerHost)",
            ])
        try await group.run()
    }
}
