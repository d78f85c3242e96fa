import AsyncHTTPClient
import Logging
import ServiceLifecycle
import UnixSignals

/// `presence list`: reads what is registered in etcd and prints it, then, with `watch`, follows the changes.
public struct RegistryLister: Sendable {
    public let configuration: ListingConfiguration
    private let httpClient: HTTPClient
    private let logger: Logger

    /// `httpClient` should come from `HTTPClient.makeEtcdClient(tls:)`, so it carries etcd's TLS configuration.
    public init(configuration: ListingConfiguration, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Prints the listing; with `watch`, then prints each change until SIGTERM or SIGINT. Throws when etcd
    /// cannot be read at first: a watch that has started retries instead.
    public func run() async throws {
        let source = makeSource()
        let printer = RegistryPrinter(output: configuration.output, layout: configuration.layout)
        let snapshot = try await source.read()
        printer.listing(RegistryParser.parse(snapshot.records.values, layout: configuration.layout))
        guard configuration.watch else { return }
        let watcher = RegistryWatcher(
            source: source, layout: configuration.layout, printer: printer, initial: snapshot)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: watcher, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [], logger: logger))
        try await group.run()
    }

    private func makeSource() -> any RegistrySource {
        let transport = EtcdTransport(
            endpoints: configuration.etcdEndpoints, httpClient: httpClient, timeout: .seconds(5),
            tls: configuration.etcdTLS, logger: logger)
        let root = configuration.layout.root
        switch configuration.etcdAPI {
        case .v3:
            let session = EtcdV3Session(
                transport: transport, credentials: configuration.etcdCredentials, logger: logger)
            return EtcdV3RegistrySource(session: session, transport: transport, root: root)
        case .v2:
            return EtcdV2RegistrySource(transport: transport, credentials: configuration.etcdCredentials, root: root)
        }
    }
}
