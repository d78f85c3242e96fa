import CoreMetrics
import Metrics

/// The agent's metrics, as handles made once from a `MetricsFactory`.
///
/// The factory is given, not taken from the global `MetricsSystem`, so each agent, and each test, counts into a
/// registry of its own. Names and labels are listed in the README's "Metrics and health" section.
public struct PresenceMetrics: Sendable {
    /// Metrics that go nowhere: what the agent records into when `--metrics-address` is not given.
    public static let disabled = PresenceMetrics(factory: NOOPMetricsHandler.instance)

    private let factory: any MetricsFactory
    /// False for the no-op factory: the handles with dimensions, made at each call, are then not made at all,
    /// which keeps the work of every request and event (and the code it maps) to what the agent itself needs.
    private let records: Bool
    private let containersRegistered: Gauge
    private let keysHeld: Gauge
    private let registrations: Counter
    private let deregistrations: Counter
    private let eventStreamReconnects: Counter
    private let leaseKeepAlives: Counter
    private let leaseLosses: Counter
    private let lastSync: Gauge

    /// Makes every handle from `factory`: a `PrometheusMetricsFactory` over the registry `/metrics` shows, or a
    /// test's own.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        records = !(factory is NOOPMetricsHandler)
        containersRegistered = Gauge(label: "presence_containers_registered", factory: factory)
        keysHeld = Gauge(label: "presence_keys_held", factory: factory)
        registrations = Counter(label: "presence_registrations_total", factory: factory)
        deregistrations = Counter(label: "presence_deregistrations_total", factory: factory)
        eventStreamReconnects = Counter(label: "presence_docker_event_stream_reconnects_total", factory: factory)
        leaseKeepAlives = Counter(label: "presence_lease_keepalives_total", factory: factory)
        leaseLosses = Counter(label: "presence_lease_losses_total", factory: factory)
        lastSync = Gauge(label: "presence_last_sync_timestamp_seconds", factory: factory)
        // Zero from the start, so a scrape before the first container shows the gauges rather than nothing.
        containersRegistered.record(0)
        keysHeld.record(0)
    }

    /// Sets the gauges to what is registered now.
    func holding(_ registrations: some Collection<Registration>) {
        containersRegistered.record(registrations.count)
        keysHeld.record(registrations.reduce(0) { $0 + $1.keys.count })
    }

    /// Counts a container registered: its keys written for the first time, or again after etcd or Docker lost them.
    func registered() {
        registrations.increment()
    }

    /// Counts `count` containers whose keys were removed.
    func deregistered(_ count: Int = 1) {
        deregistrations.increment(by: count)
    }

    /// Counts one failure about a single container (an inspect, a write or a removal), which is retried with
    /// backoff while the other containers go on.
    func containerFailure(_ operation: RegistrationOperation) {
        guard records else { return }
        Counter(
            label: "presence_container_failures_total", dimensions: [("operation", operation.rawValue)],
            factory: factory
        ).increment()
    }

    /// Counts one reopening of Docker's event stream after it ended or failed.
    func eventStreamReconnected() {
        eventStreamReconnects.increment()
    }

    /// Counts one event of Docker's stream under its verb (`exec_start: sh -c …` counts as `exec_start`), so the
    /// label stays a small set whatever the containers run.
    func dockerEvent(action: String) {
        guard records else { return }
        let verb = action.split(separator: ":", maxSplits: 1).first.map(String.init) ?? action
        Counter(label: "presence_docker_events_total", dimensions: [("action", verb)], factory: factory).increment()
    }

    /// Counts one request to etcd, and how long it took, failover to other endpoints included.
    func etcdRequest(_ kind: EtcdRequestKind, _ outcome: EtcdRequestOutcome, duration: Duration) {
        guard records else { return }
        Counter(
            label: "presence_etcd_requests_total",
            dimensions: [("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: factory
        ).increment()
        CoreMetrics.Timer(
            label: "presence_etcd_request_duration_seconds", dimensions: [("kind", kind.rawValue)], factory: factory
        ).record(duration: duration)
    }

    /// Counts one keep-alive that etcd answered: renewed, or the lease (or TTL directory) found gone.
    func leaseKeepAlive(renewed: Bool) {
        (renewed ? leaseKeepAlives : leaseLosses).increment()
    }

    /// Counts a lease etcd no longer knew, found other than by a keep-alive.
    func leaseLost() {
        leaseLosses.increment()
    }

    /// Records that a resync or keep-alive pass went through Docker and etcd, at `date`.
    func synced(at date: Date = Date()) {
        lastSync.record(date.timeIntervalSince1970)
    }
}

extension PresenceMetrics: CustomStringConvertible {
    /// Short, for the services ServiceLifecycle lists in its debug log.
    public var description: String { "PresenceMetrics" }
}
