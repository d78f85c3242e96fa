import Logging

/// Joins Docker and etcd: reads what the watched containers publish, works out the keys etcd should hold and
/// writes the difference.
///
/// It remembers what it wrote, so an unchanged container costs no write, and forgets a registration as soon as
/// etcd loses it, so the next pass writes it again.
public actor Reconciler {
    /// The host address written when Docker reports no bridge gateway: the original agent's value.
    public static let fallbackHostIP = "172.17.42.1"

    private let containers: [String]
    private let docker: any DockerAPI
    private let store: any RegistrationStore
    private let layout: KeyLayout
    private let configuredHostIP: String?
    private let logger: Logger
    private var discoveredHostIP: String?
    /// What etcd holds for each registered container, as this agent wrote it.
    private var registered: [String: [String: String]] = [:]
    /// Containers that may have keys in etcd, including a write that was interrupted.
    private var touched: Set<String> = []
    private var lastState: [String: String] = [:]

    public init(
        containers: [String],
        docker: any DockerAPI,
        store: any RegistrationStore,
        layout: KeyLayout,
        hostIP: String?,
        logger: Logger
    ) {
        self.containers = containers
        self.docker = docker
        self.store = store
        self.layout = layout
        self.configuredHostIP = hostIP
        self.logger = logger
    }

    /// The keys this agent believes etcd holds, per container.
    public var registrations: [String: [String: String]] { registered }

    /// One pass: reads every watched container, refreshes the TTL of what is registered, writes the difference.
    public func sync() async throws {
        let host = try await hostIP()
        var desired: [String: [String: String]] = [:]
        for name in containers {
            let snapshot = try await docker.container(named: name)
            desired[name] = desiredKeys(name: name, snapshot: snapshot, host: host)
        }
        for name in try await store.keepAlive(containers: registered.keys.sorted()) {
            registered[name] = nil
        }
        for name in containers {
            try await apply(name: name, desired: desired[name] ?? [:])
        }
    }

    /// Removes every key this agent wrote.
    public func deregisterAll() async throws {
        try await store.removeAll(containers: touched.sorted())
        for name in registered.keys.sorted() {
            logger.info("container deregistered at shutdown", metadata: ["container": "\(name)"])
        }
        registered.removeAll()
        touched.removeAll()
    }

    private func desiredKeys(name: String, snapshot: ContainerSnapshot?, host: String) -> [String: String] {
        guard let snapshot else {
            note(name, "missing", "waiting for the container to appear")
            return [:]
        }
        guard snapshot.shouldBeRegistered else {
            note(name, snapshot.isPaused ? "paused" : "stopped", "container is \(snapshot.isPaused ? "paused" : "not running")")
            return [:]
        }
        let ports = PublishedPort.from(snapshot.bindings, defaultHost: host)
        if ports.isEmpty {
            note(name, "unpublished", "container runs but publishes no port; nothing to register")
        }
        return layout.keys(container: name, ports: ports)
    }

    private func apply(name: String, desired: [String: String]) async throws {
        let current = registered[name]
        if desired.isEmpty {
            guard current != nil || touched.contains(name) else { return }
            try await store.remove(container: name)
            registered[name] = nil
            touched.remove(name)
            logger.info("container deregistered", metadata: ["container": "\(name)"])
            return
        }
        let plan = RegistrationPlan(from: current ?? [:], to: desired)
        if current != nil && plan.isEmpty { return }
        touched.insert(name)
        do {
            try await store.write(container: name, keys: desired, plan: plan, isFirstWrite: current == nil)
        } catch let error as PresenceError where error.code == .leaseLost {
            // Every registration hung on the lost lease: write them all again on the next pass.
            registered.removeAll()
            throw error
        }
        registered[name] = desired
        let ports = desired.keys.filter { $0.hasSuffix("/port") }.count
        note(name, "registered:\(desired.hashValue)", current == nil ? "container registered" : "registration changed",
             level: .info, ports: ports)
    }

    /// Logs a container's state once when it changes, not on every pass.
    private func note(_ name: String, _ state: String, _ message: String, level: Logger.Level = .info, ports: Int? = nil) {
        guard lastState[name] != state else { return }
        lastState[name] = state
        var metadata: Logger.Metadata = ["container": "\(name)"]
        if let ports { metadata["ports"] = "\(ports)" }
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    private func hostIP() async throws -> String {
        if let configuredHostIP { return configuredHostIP }
        if let discoveredHostIP { return discoveredHostIP }
        let gateway = try await docker.bridgeGateway() ?? Reconciler.fallbackHostIP
        logger.info("host address for wildcard bindings", metadata: ["host": "\(gateway)"])
        discoveredHostIP = gateway
        return gateway
    }
}
