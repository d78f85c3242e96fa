import NIOHTTP1
import Prometheus
import Testing

@testable import Presence

@Suite("Metrics recorded through a registry of the test's own")
struct PresenceMetricsTests {
    let registry = PrometheusCollectorRegistry()
    let docker = FakeDocker()
    let store = FakeStore()

    var metrics: PresenceMetrics { PresenceMetrics(factory: PrometheusMetricsFactory(registry: registry)) }

    /// The value of one sample in the registry's Prometheus text, e.g. `presence_keys_held` or
    /// `presence_docker_events_total{action="start"}`.
    func value(_ sample: String) -> Double? {
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    func reconciler() throws -> Reconciler {
        try .underTest(docker: docker, store: store, names: ["web", "api"], metrics: metrics)
    }

    @Test func gaugesStartAtZero() {
        _ = metrics
        #expect(value("presence_containers_registered") == 0)
        #expect(value("presence_keys_held") == 0)
    }

    @Test func aReconcileCountsRegistrationsAndHeldKeys() async throws {
        await docker.set(ReconcilerTests.web(), named: "web")
        await docker.set(ReconcilerTests.web(name: "api", id: "2", port: 1), named: "api")
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(value("presence_containers_registered") == 2)
        #expect(value("presence_keys_held") == 4)
        #expect(value("presence_registrations_total") == 2)

        try await reconciler.resync()
        #expect(value("presence_registrations_total") == 2, "an unchanged container is not registered again")

        await docker.set(ReconcilerTests.web(running: false), named: "web")
        try await reconciler.resync()
        #expect(value("presence_containers_registered") == 1)
        #expect(value("presence_keys_held") == 2)
        #expect(value("presence_deregistrations_total") == 1)

        try await reconciler.deregisterAll()
        #expect(value("presence_containers_registered") == 0)
        #expect(value("presence_keys_held") == 0)
        #expect(value("presence_deregistrations_total") == 2)
    }

    @Test func eventsAreCountedByVerb() {
        let metrics = metrics
        metrics.dockerEvent(action: "start")
        metrics.dockerEvent(action: "start")
        metrics.dockerEvent(action: "exec_start: sh -c 'echo secret'")
        metrics.dockerEvent(action: "health_status: healthy")
        #expect(value(#"presence_docker_events_total{action="start"}"#) == 2)
        #expect(value(#"presence_docker_events_total{action="exec_start"}"#) == 1)
        #expect(value(#"presence_docker_events_total{action="health_status"}"#) == 1)
        #expect(!registry.emitToString().contains("secret"))
    }

    @Test func etcdRequestsByKindAndOutcomeWithTheirLatency() {
        let metrics = metrics
        metrics.etcdRequest(.txn, .ok, duration: .milliseconds(3))
        metrics.etcdRequest(.txn, .ok, duration: .milliseconds(30))
        metrics.etcdRequest(.leaseGrant, .unreachable, duration: .seconds(2))
        #expect(value(#"presence_etcd_requests_total{kind="txn",outcome="ok"}"#) == 2)
        #expect(value(#"presence_etcd_requests_total{kind="lease_grant",outcome="unreachable"}"#) == 1)
        #expect(value(#"presence_etcd_request_duration_seconds_count{kind="txn"}"#) == 2)
        #expect(value(#"presence_etcd_request_duration_seconds_bucket{kind="txn",le="0.005"}"#) == 1)
        #expect(value(#"presence_etcd_request_duration_seconds_sum{kind="txn"}"#) == 0.033)
    }

    @Test func keepAlivesLossesAndSyncTime() {
        let metrics = metrics
        metrics.leaseKeepAlive(renewed: true)
        metrics.leaseKeepAlive(renewed: true)
        metrics.leaseKeepAlive(renewed: false)
        metrics.leaseLost()
        metrics.synced(at: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(value("presence_lease_keepalives_total") == 2)
        #expect(value("presence_lease_losses_total") == 2)
        #expect(value("presence_last_sync_timestamp_seconds") == 1_800_000_000)
    }

    @Test(arguments: [
        (HTTPMethod.POST, "/v3/kv/txn", EtcdRequestKind.txn),
        (.POST, "/v3/kv/range", .range),
        (.POST, "/v3/kv/deleterange", .deleterange),
        (.POST, "/v3/lease/grant", .leaseGrant),
        (.POST, "/v3/lease/keepalive", .leaseKeepAlive),
        (.POST, "/v3/lease/revoke", .leaseRevoke),
        (.POST, "/v3/auth/authenticate", .auth),
        (.PUT, "/v2/keys/containers/web", .v2Put),
        (.GET, "/v2/keys/containers", .v2Get),
        (.DELETE, "/v2/keys/containers/web", .v2Delete),
        (.POST, "/v3/maintenance/status", .other),
    ])
    func kindsComeFromThePath(method: HTTPMethod, path: String, kind: EtcdRequestKind) {
        #expect(EtcdRequestKind(method: method, path: path) == kind)
    }

    @Test func notFoundIsAnAnswerNotARejection() {
        #expect(EtcdRequestOutcome(status: .ok) == .ok)
        #expect(EtcdRequestOutcome(status: .notFound) == .ok)
        #expect(EtcdRequestOutcome(status: .forbidden) == .rejected)
        #expect(EtcdRequestOutcome(status: .serviceUnavailable) == .rejected)
    }
}
