import Logging

/// Joins Docker and etcd: reads what the selected containers publish, decides the keys etcd should hold and
/// writes the difference.
///
/// It remembers what it wrote per container id, so an unchanged container costs no write, and forgets a
/// registration as soon as etcd loses it, writing it again in the same pass.
public actor Reconciler {
    /// The host address written when Docker reports no bridge gateway: the original agent's value.
    public static let fallbackHostIP = "172.17.42.1"

    /// What is registered for one container.
    public struct Registration: Sendable, Equatable {
        /// The name its keys are under (its container name, or its `presence.name` label).
        public var name: String
        public var keys: [String: String]
        /// The ports, as `80/tcp=172.17.0.1:8080`: for logs.
        public var ports: [String] = []
    }

    private let selection: ContainerSelection
    private let docker: any DockerAPI
    private let store: any RegistrationStore
    private let layout: KeyLayout
    private let configuredHostIP: String?
    private let respectingHealth: Bool
    private let ttl: Duration
    private let heartbeat: DockerHeartbeat
    private let logger: Logger
    private let metrics: PresenceMetrics
    private var discoveredHostIP: String?
    /// What etcd holds, by container id, as this agent wrote it.
    private var registered: [String: Registration] = [:] { didSet { metrics.holding(registered.values) } }
    /// Names that may have keys in etcd, including a write that was interrupted: what shutdown removes.
    private var touched: Set<String> = []
    private var lastNote: [String: String] = [:]
    private var hasCleanedUpForeignKeys = false
    private var abandoned = false
    private var driftCheckUnavailable = false

    public init(
        selection: ContainerSelection,
        docker: any DockerAPI,
        store: any RegistrationStore,
        layout: KeyLayout,
        hostIP: String?,
        respectingHealth: Bool = true,
        ttl: Duration,
        heartbeat: DockerHeartbeat = DockerHeartbeat(),
        logger: Logger,
        metrics: PresenceMetrics = .disabled
    ) {
        self.selection = selection
        self.docker = docker
        self.store = store
        self.layout = layout
        self.configuredHostIP = hostIP
        self.respectingHealth = respectingHealth
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.logger = logger
        self.metrics = metrics
    }

    /// The keys this agent believes etcd holds, by container id.
    public var registrations: [String: Registration] { registered }

    /// Lists every container, registers the selected ones that serve and removes every other registration.
    ///
    /// `keepAliveDue` is asked between containers, so a long pass never starves the keep-alive.
    public func resync(keepAliveDue: () -> Bool = { false }) async throws {
        let host = try await hostIP()
        let summaries = try await docker.listContainers()
        heartbeat.beat()
        var decisions: [String: (name: String, decision: RegistrationDecision)] = [:]
        for summary in summaries where selection.selects(name: summary.name, labels: summary.labels) {
            if keepAliveDue() { try await keepAlive() }
            let snapshot = try await inspect(summary.id, name: summary.name)
            decisions[summary.id] = (summary.name, decide(snapshot, host: host))
        }
        for name in selection.names.sorted() where !summaries.contains(where: { $0.name == name }) {
            note(name, "missing", "waiting for the container to appear")
        }
        if layout.isHostScoped && !hasCleanedUpForeignKeys {
            try await removeForeignKeys(keeping: decisions.values)
        }
        for id in registered.keys.sorted() where decisions[id] == nil {
            try await apply(id: id, containerName: registered[id]?.name ?? id, .skip(reason: "container is gone"))
        }
        for (id, entry) in decisions.sorted(by: { $0.key < $1.key }) {
            try await apply(id: id, containerName: entry.name, entry.decision)
        }
        try await correctDrift()
        abandoned = false
    }

    /// Compares what etcd holds of this agent's keys with what it should hold, and corrects any difference: a
    /// write that timed out but landed late, a key someone else deleted or changed.
    private func correctDrift() async throws {
        let held: [String: String]
        do {
            held = try await store.heldKeys(containers: touched.sorted())
        } catch let error as PresenceError where error.code != .etcdUnreachable && error.code != .leaseLost {
            // A role may allow writing the keys but not reading a directory back (etcd's v2 recursive reads):
            // the check is a safety net, so the agent carries on without it.
            if !driftCheckUnavailable {
                driftCheckUnavailable = true
                logger.notice("cannot read the keys back to check them (\(error.code)); continuing without that check")
                logger.debug("reading the keys back failed: \(error)")
            }
            return
        }
        var expected: [String: String] = [:]
        for registration in registered.values { expected.merge(registration.keys) { first, _ in first } }
        guard held != expected else { return }
        let stale = held.keys.filter { expected[$0] == nil }
        let wrong = expected.filter { held[$0.key] != $0.value }
        var directories = Set<String>()
        for key in Array(stale) + Array(wrong.keys) {
            if let directory = layout.directory(containing: key) { directories.insert(directory) }
        }
        logger.warning(
            "etcd differed from what the agent wrote; correcting",
            metadata: [
                "stale": "\(stale.count)", "missing_or_changed": "\(wrong.count)",
                "containers": .array(
                    Set(directories.map { owner(of: $0) }).sorted().map { .string($0) }),
            ])
        var rewritten = Set<String>()
        for directory in directories.sorted() {
            if let (id, registration) = registered.first(where: {
                layout.directories(of: $0.value.name).contains(directory)
            }) {
                guard !rewritten.contains(id) else { continue }
                rewritten.insert(id)
                // A first write puts every key and deletes whatever else is in the container's directories.
                try await store.write(
                    container: registration.name, keys: registration.keys,
                    plan: RegistrationPlan(puts: registration.keys), isFirstWrite: true)
                registered[id] = registration
            } else {
                try await store.removeDirectory(directory)
                if let name = touched.first(where: { layout.directories(of: $0).contains(directory) }),
                    !registered.values.contains(where: { $0.name == name })
                {
                    touched.remove(name)
                }
            }
        }
    }

    /// Inspects the given containers (ids or names), and those of `ifRegistered` that hold keys, and writes the
    /// difference for each.
    public func reconcile(
        _ ids: Set<String>, ifRegistered: Set<String> = [], keepAliveDue: () -> Bool = { false }
    ) async throws {
        let host = try await hostIP()
        for id in ids.union(ifRegistered.filter { registered[$0] != nil }).sorted() {
            if keepAliveDue() { try await keepAlive() }
            let snapshot = try await inspect(id, name: registered[id]?.name ?? id)
            heartbeat.beat()
            let key = snapshot?.id ?? id
            try await apply(
                id: key, containerName: snapshot?.name ?? registered[key]?.name ?? id, decide(snapshot, host: host))
        }
    }

    /// Deregisters containers whose events proved they no longer serve, without asking Docker.
    public func deregister(_ ids: Set<String>) async throws {
        for id in ids.sorted() {
            guard let registration = registered[id] else { continue }
            try await apply(id: id, containerName: registration.name, .skip(reason: "container stopped serving"))
        }
    }

    /// Refreshes the TTL of every registration while Docker has been heard from within the TTL; rewrites any
    /// registration etcd lost. After a TTL of silence it lets the keys expire and throws, so the caller resyncs.
    public func keepAlive() async throws {
        if (try? await docker.ping()) != nil { heartbeat.beat() }
        guard heartbeat.silence < ttl else {
            if !abandoned {
                abandoned = true
                logger.warning(
                    "Docker has not answered for \(ttl.seconds) s; no longer keeping keys alive, they expire within the TTL"
                )
                await store.abandon()
                registered.removeAll()
            }
            throw PresenceError(.dockerUnreachable, "Docker has not answered for \(heartbeat.silence.seconds) s")
        }
        let byName = Dictionary(registered.map { ($0.value.name, $0.key) }, uniquingKeysWith: { first, _ in first })
        let lost = try await store.keepAlive(containers: byName.keys.sorted())
        for name in lost {
            guard let id = byName[name], let registration = registered[id] else { continue }
            registered[id] = nil
            try await store.write(
                container: name, keys: registration.keys, plan: RegistrationPlan(puts: registration.keys),
                isFirstWrite: true)
            registered[id] = registration
            logger.notice("registration written again after etcd lost it", metadata: ["container": "\(name)"])
        }
    }

    /// Removes every key this agent wrote.
    public func deregisterAll() async throws {
        try await store.removeAll(containers: touched.sorted())
        metrics.deregistered(registered.count)
        for registration in registered.values.sorted(by: { $0.name < $1.name }) {
            logger.info("container deregistered at shutdown", metadata: ["container": "\(registration.name)"])
        }
        registered.removeAll()
        touched.removeAll()
    }

    private func decide(_ snapshot: ContainerSnapshot?, host: String) -> RegistrationDecision {
        RegistrationDecision.decide(snapshot, selection: selection, hostIP: host, respectingHealth: respectingHealth)
    }

    private func apply(id: String, containerName: String, _ decision: RegistrationDecision) async throws {
        var desired: Registration?
        switch decision {
        case .register(let name, let ports):
            if let holder = registered.first(where: { $0.key != id && overlaps($0.value.name, name) }) {
                note(
                    containerName, "conflict",
                    "another container is registered as '\(name)' (\(holder.key.prefix(12))); not registering this one",
                    level: .warning)
            } else if ports.isEmpty {
                note(containerName, "unpublished", "container runs but publishes no selected port; nothing to register")
            } else {
                desired = Registration(
                    name: name, keys: layout.keys(container: name, id: id, ports: ports),
                    ports: ports.map { "\($0.containerPort)/\($0.transport)=\($0.host):\($0.hostPort)" })
            }
        case .skip(let reason):
            if selection.names.contains(containerName) || registered[id] != nil {
                note(containerName, reason, reason)
            }
        case .refuse(let warning):
            note(containerName, "refused:\(warning)", warning, level: .warning)
        }
        let current = registered[id]
        if let current, current.name != desired?.name {
            try await store.remove(container: current.name)
            registered[id] = nil
            touched.remove(current.name)
            metrics.deregistered()
            logger.info(
                "container deregistered", metadata: ["container": "\(containerName)", "name": "\(current.name)"])
        }
        guard let desired else { return }
        let previous = registered[id]?.keys
        let plan = RegistrationPlan(from: previous ?? [:], to: desired.keys)
        if previous != nil && plan.isEmpty { return }
        touched.insert(desired.name)
        do {
            try await store.write(
                container: desired.name, keys: desired.keys, plan: plan, isFirstWrite: previous == nil)
        } catch let error as PresenceError where error.code == .leaseLost {
            // Every registration hung on the lost lease: the resync that follows writes them all again.
            registered.removeAll()
            throw error
        } catch var error as PresenceError {
            error.container = error.container ?? desired.name
            throw error
        }
        registered[id] = desired
        if previous == nil { metrics.registered() }
        note(
            containerName, "registered:\(desired.keys.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" })",
            previous == nil ? "container registered" : "registration changed",
            ports: desired.ports, name: desired.name)
    }

    /// Docker's view of a container; a failure carries the container's name, so its log line names it.
    private func inspect(_ id: String, name: String) async throws -> ContainerSnapshot? {
        do {
            return try await docker.container(named: id)
        } catch var error as PresenceError {
            error.container = error.container ?? name
            throw error
        }
    }

    /// The container a directory belongs to, for logs: a name this agent wrote, else the directory's last segment.
    private func owner(of directory: String) -> String {
        let names = registered.values.map(\.name) + touched
        return names.first { layout.directories(of: $0).contains(directory) }
            ?? String(directory.split(separator: "/").last ?? "")
    }

    /// True when two names would share a directory in some format: `Web` and `web` are one DNS label.
    private func overlaps(_ first: String, _ second: String) -> Bool {
        first == second || !Set(layout.directories(of: first)).isDisjoint(with: layout.directories(of: second))
    }

    /// With a prefix of this host's own, keys of containers that are not running here are leftovers of an
    /// earlier run: remove them before registering anything.
    private func removeForeignKeys(keeping decisions: some Collection<(name: String, decision: RegistrationDecision)>)
        async throws
    {
        var keep = Set<String>()
        for entry in decisions {
            if case .register(let name, _) = entry.decision { keep.formUnion(layout.directories(of: name)) }
        }
        for directory in try await store.registeredDirectories() where !keep.contains(directory) {
            try await store.removeDirectory(directory)
            logger.notice(
                "removed keys left by an earlier run",
                metadata: ["container": "\(owner(of: directory))", "directory": "\(directory)"])
        }
        hasCleanedUpForeignKeys = true
    }

    /// Logs a container's state once when it changes, not on every pass.
    private func note(
        _ container: String, _ state: String, _ message: String, level: Logger.Level = .info, ports: [String]? = nil,
        name: String? = nil
    ) {
        guard lastNote[container] != state else { return }
        lastNote[container] = state
        var metadata: Logger.Metadata = ["container": "\(container)"]
        if let ports { metadata["ports"] = .array(ports.map { .string($0) }) }
        if let name, name != container { metadata["name"] = "\(name)" }
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
