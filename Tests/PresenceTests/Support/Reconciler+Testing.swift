import Logging

@testable import Presence

extension Reconciler {
    /// A reconciler over a test's fakes on host `h1`, keys under `/containers`, logging nowhere: each argument
    /// names what a test changes.
    static func underTest(
        docker: any DockerAPI, store: any RegistrationStore, names: [String] = [], all: Bool = false,
        prefix: String = "/containers", formats: [RegistrationFormat] = [.keys], hostIP: String? = nil,
        ttl: Duration = .seconds(60), heartbeat: DockerHeartbeat = DockerHeartbeat(),
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        metrics: PresenceMetrics = .disabled, time: ManualTime? = nil
    ) throws -> Reconciler {
        let now: @Sendable () -> ContinuousClock.Instant
        if let time { now = { time.now } } else { now = { .now } }
        return Reconciler(
            selection: try ContainerSelection(names: names, all: all), docker: docker, store: store,
            layout: try KeyLayout(template: prefix, hostname: "h1", formats: formats),
            hostIP: hostIP.map { .address($0) }, ttl: ttl, heartbeat: heartbeat, logger: logger, metrics: metrics,
            now: now)
    }
}
