import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Serves `/metrics` (Prometheus text), `/healthz` and `/readyz` on `--metrics-address` until graceful shutdown.
public struct MetricsServer: Service {
    private let address: MetricsAddress
    private let registry: PrometheusCollectorRegistry
    private let readiness: Readiness
    private let ttl: Duration
    private let logger: Logger

    /// - Parameter ttl: how long Docker or etcd may fail before `/readyz` answers 503: the TTL of the keys.
    public init(
        address: MetricsAddress, registry: PrometheusCollectorRegistry, readiness: Readiness, ttl: Duration,
        logger: Logger
    ) {
        self.address = address
        self.registry = registry
        self.readiness = readiness
        self.ttl = ttl
        self.logger = logger
    }

    /// Listens until graceful shutdown; throws at once if the address cannot be bound.
    public func run() async throws {
        let listening = ListeningFlag()
        let application = Application(
            router: router(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            // Hummingbird logs the address it listens on.
            onServerRunning: { _ in listening.set() },
            logger: logger)
        do {
            try await application.run()
        } catch {
            guard listening.isSet else {
                throw PresenceError(.metricsUnavailable, "cannot serve metrics on \(address): \(Self.explain(error))")
            }
            throw error
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { [registry] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/healthz") { _, _ in Self.text(.ok, "ok") }
        router.get("/readyz") { [readiness, ttl] _, _ in
            switch readiness.status(ttl: ttl) {
            case .ready: Self.text(.ok, "ok")
            case .notReady(let reason): Self.text(.serviceUnavailable, reason)
            }
        }
        return router
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    /// The reason a listener could not start, in words rather than as NIO's error.
    private static func explain(_ error: any Error) -> String {
        guard let error = error as? IOError else {
            return "\(error); is the host an address of this machine?"
        }
        switch error.errnoCode {
        case EADDRINUSE: return "address in use; is another agent or program listening there?"
        case EADDRNOTAVAIL: return "no such address on this machine"
        case EACCES: return "permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE"
        default: return "\(error)"
        }
    }
}
