import Logging

/// Joins Docker and etcd: asks Docker about the selected containers, feeds the answers to the
/// `RegistrationStateMachine`, and carries out the steps it hands out.
///
/// The decisions (who holds a name, what to write, what to retry when) are the state machine's; this actor only
/// does the I/O. A failure about one container is that container's alone: the pass goes on with the others. A
/// failure that concerns everything (the lease is gone, or a server twice in a row did not answer) ends the pass
/// and the caller retries it.
public actor Reconciler {
    private let selection: ContainerSelection
    private let docker: any DockerAPI
    private let store: any RegistrationStore
    private let layout: KeyLayout
    private let addressing: Addressing
    private var hostAddresses: HostAddressResolver
    private var lastAnnouncedHostAddresses: HostAddresses?
    private let respectingHealth: Bool
    private let ttl: Duration
    private let heartbeat: DockerHeartbeat
    private let logger: Logger
    private let metrics: PresenceMetrics
    private var state: RegistrationStateMachine
    /// The time the retry backoffs are measured on.
    private let now: @Sendable () -> ContinuousClock.Instant
    private var hasCleanedUpForeignKeys = false
    /// Whether a resync asked etcd if it holds anything under the roots: only the first one does, the start's.
    private var hasAskedWhetherEtcdHoldsNothing = false
    private var abandoned = false
    private var driftCheckUnavailable = false
    /// How many requests a pass has under way at once, to Docker and to etcd: what AsyncHTTPClient's pool keeps
    /// open to one host by default, and the bound on a start's burst that the README states.
    static let concurrency = 8
    /// A keep-alive was asked for and has not gone through yet: the caller retries it at once.
    public private(set) var owesKeepAlive = false

    public init(
        selection: ContainerSelection,
        docker: any DockerAPI,
        store: any RegistrationStore,
        layout: KeyLayout,
        hostIP: HostAddressSetting? = nil,
        hostIP6: HostAddressSetting? = nil,
        addressing: Addressing = .host,
        respectingHealth: Bool = true,
        ttl: Duration,
        heartbeat: DockerHeartbeat = DockerHeartbeat(),
        logger: Logger,
        metrics: PresenceMetrics = .disabled,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.selection = selection
        self.docker = docker
        self.store = store
        self.layout = layout
        self.hostAddresses = HostAddressResolver(ipv4: hostIP, ipv6: hostIP6)
        self.addressing = addressing
        self.respectingHealth = respectingHealth
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.logger = logger
        self.metrics = metrics
        self.now = now
        self.state = RegistrationStateMachine(layout: layout, namedSelection: selection.names)
    }

    /// The keys this agent believes etcd holds, by container id.
    public var registrations: [String: Registration] { state.registrations }

    /// The earliest moment a failed container is due to be tried again.
    public var nextRetry: ContinuousClock.Instant? { state.nextRetry }

    /// How many containers anything is kept about: flat over churn.
    public var trackedContainers: Int { state.trackedEntries }

    /// Lists every container, registers the selected ones that serve and removes every other registration.
    ///
    /// `keepAliveDue` is asked between requests, so a long pass never starves the keep-alive.
    public func resync(keepAliveDue: @Sendable () -> Bool = { false }) async throws {
        // Looked at anew on every resync: the bridge or the named interface may have changed meanwhile, and then
        // every registration is rewritten in this pass.
        // The listing is asked for alongside the bridge, not after it, and the writes' lease while Docker lists:
        // on a start, every round trip counts.
        store.prepareForWrites()
        // On a start, etcd is asked at once whether it holds anything at all under the roots. After a clean stop
        // it holds nothing, and then the first writes need not read the containers' directories for an earlier
        // run's leftovers: that read came after the listing, and with a full host it took milliseconds.
        let nothingHeld = hasAskedWhetherEtcdHoldsNothing ? nil : Task { [store] in await store.holdsNothing() }
        hasAskedWhetherEtcdHoldsNothing = true
        defer { nothingHeld?.cancel() }
        async let listing = docker.listContainers()
        try await refreshHostAddresses()
        let summaries = try await listing
        heartbeat.beat()
        // In id order: of two new containers that claim one name, which wins does not depend on Docker's listing.
        let selected = summaries.filter { selection.selects(name: $0.name, labels: $0.labels) }.sorted { $0.id < $1.id }
        state.listed(Set(selected.map(\.id)))
        state.missing(names: selection.names.subtracting(summaries.map(\.name)).sorted())
        var strikes = Strikes()
        // A container the listing tells all about is not inspected: with a full host, the inspects were most of
        // a start's time.
        try await observe(
            selected.map { ($0.id, $0.name) }, listed: selected.compactMap(\.snapshot), keepAliveDue: keepAliveDue,
            strikes: &strikes)
        if layout.isHostScoped && !hasCleanedUpForeignKeys {
            let existing = await nothingHeld?.value == true ? [] : try await store.registeredDirectories()
            for directory in state.removeLeftovers(existing: existing) {
                logger.notice("removing keys left by an earlier run", metadata: ["directory": "\(directory)"])
            }
            hasCleanedUpForeignKeys = true
        }
        try await execute(keepAliveDue: keepAliveDue, strikes: &strikes, nothingHeld: nothingHeld)
        try await correctDrift(strikes: &strikes)
        abandoned = false
    }

    /// Inspects the given containers (ids or names), and those of `ifKnown` the agent has anything to do with,
    /// and carries out what follows.
    public func reconcile(
        _ ids: Set<String>, ifKnown: Set<String> = [], keepAliveDue: @Sendable () -> Bool = { false }
    ) async throws {
        if !hostAddresses.isRefreshed { try await refreshHostAddresses() }
        var strikes = Strikes()
        let targets = ids.union(ifKnown.filter { state.isKnown($0) }).sorted().map { ($0, $0) }
        try await observe(targets, keepAliveDue: keepAliveDue, strikes: &strikes)
        try await execute(keepAliveDue: keepAliveDue, strikes: &strikes)
    }

    /// Retries the containers whose backoff is over: inspects those whose inspect failed, and carries out the
    /// writes and removals that are due.
    public func retryDue(keepAliveDue: @Sendable () -> Bool = { false }) async throws {
        try await reconcile(state.dueInspections(at: now()), keepAliveDue: keepAliveDue)
    }

    /// Deregisters containers whose events proved they no longer serve, without asking Docker.
    public func deregister(_ ids: Set<String>) async throws {
        for id in ids.sorted() { state.stoppedServing(id) }
        var strikes = Strikes()
        try await execute(strikes: &strikes)
    }

    /// Refreshes the TTL of every registration, but only right after Docker answered, so that keys never outlive
    /// Docker's last answer by more than one TTL; rewrites any registration etcd lost. After a TTL of silence it
    /// lets the keys expire and throws, so the caller resyncs.
    public func keepAlive() async throws {
        owesKeepAlive = true
        do {
            try await docker.ping()
            heartbeat.beat()
        } catch {
            guard heartbeat.silence >= ttl else {
                throw PresenceError(
                    .dockerUnreachable,
                    "Docker did not answer before the keep-alive (\(error)); the TTL is not renewed until it does")
            }
            if !abandoned {
                abandoned = true
                logger.warning(
                    "Docker has not answered for \(ttl.seconds) s; no longer keeping keys alive, they expire within the TTL"
                )
                await store.abandon()
                state.abandon()
                metrics.holding(state.registrations.values)
            }
            owesKeepAlive = false
            throw PresenceError(.dockerUnreachable, "Docker has not answered for \(heartbeat.silence.seconds) s")
        }
        let lost: [String]
        var unanswered: (any Error)?
        do {
            lost = try await store.keepAlive(containers: state.keptNames)
            owesKeepAlive = false
        } catch let incomplete as KeepAliveIncomplete {
            // The keep-alive is owed still, but what etcd said it lost is written again now, not after it.
            lost = incomplete.lost
            unanswered = incomplete.failure
        }
        if !lost.isEmpty {
            state.lost(names: lost)
            for name in lost {
                logger.notice("writing the registration again after etcd lost it", metadata: ["container": "\(name)"])
            }
            var strikes = Strikes()
            try await execute(strikes: &strikes)
        }
        if let unanswered { throw unanswered }
    }

    /// Removes every key this agent wrote; throws unless the store confirmed it.
    public func deregisterAll() async throws {
        let held = state.registrations.values.sorted { $0.name < $1.name }
        try await store.removeAll(containers: state.touchedNames)
        metrics.deregistered(held.count)
        for registration in held {
            logger.info("container deregistered at shutdown", metadata: ["container": "\(registration.name)"])
        }
        state.removedEverything()
        metrics.holding(state.registrations.values)
    }

    // MARK: - Docker

    /// Asks Docker about the containers (id, and the name to report a failure under) but those `listed` tells
    /// about already, `concurrency` at a time, and feeds the answers to the state machine in the given order, so
    /// that which of two containers claiming one name wins does not depend on which answer came first. A failure
    /// is the container's; a Docker that stops answering ends the pass once the answers under way are in.
    private func observe(
        _ targets: [(id: String, name: String)], listed: [ContainerSnapshot] = [],
        keepAliveDue: @Sendable () -> Bool, strikes: inout Strikes
    ) async throws {
        var answers: [String: Result<ContainerSnapshot?, any Error>] = [:]
        for snapshot in listed { answers[snapshot.id] = .success(snapshot) }
        var passEnded: (any Error)?
        var remaining = targets.filter { answers[$0.id] == nil }
        while !remaining.isEmpty {
            var keepAliveIsDue = false
            remaining = await forEachConcurrently(
                remaining, limit: Self.concurrency,
                shouldStart: {
                    keepAliveIsDue = keepAliveDue()
                    return !keepAliveIsDue
                },
                operation: { [docker] target -> Result<ContainerSnapshot?, any Error> in
                    do { return .success(try await docker.container(named: target.id)) } catch { return .failure(error) }
                },
                handle: { target, answer in
                    answers[target.id] = answer
                    switch answer {
                    case .success:
                        heartbeat.beat()
                        strikes.succeeded()
                        return true
                    case .failure(let error):
                        do {
                            try strikes.failed(error)
                            return true
                        } catch {
                            passEnded = passEnded ?? error
                            return false
                        }
                    }
                })
            if passEnded != nil { break }
            if keepAliveIsDue { try await keepAlive() }
        }
        for target in targets {
            switch answers[target.id] {
            case .none: continue
            case .failure(let error):
                metrics.containerFailure(.inspect)
                state.inspectFailed(target.id, containerName: target.name, error: String(describing: error), at: now())
            case .success(nil):
                state.containerGone(target.id)
            case .success(let snapshot?):
                hostAddresses.learn(from: snapshot)
                let decision = RegistrationDecision.decide(
                    snapshot, selection: selection, addressing: addressing, hosts: announcedHostAddresses(),
                    respectingHealth: respectingHealth)
                state.observe(snapshot.id, containerName: snapshot.name, decision: decision)
            }
        }
        flushNotes()
        if let passEnded { throw passEnded }
    }

    private func refreshHostAddresses() async throws {
        let bridge = hostAddresses.needsBridge ? try await docker.bridgeNetwork() : nil
        try hostAddresses.refresh(bridge: bridge)
    }

    /// The host's addresses, logged whenever they change; a warning when nothing told the IPv4 one.
    private func announcedHostAddresses() -> HostAddresses {
        let (addresses, source) = hostAddresses.current
        guard addresses != lastAnnouncedHostAddresses else { return addresses }
        lastAnnouncedHostAddresses = addresses
        var metadata: Logger.Metadata = ["host": "\(addresses.ipv4)", "from": "\(source.rawValue)"]
        if let ipv6 = addresses.ipv6 { metadata["host6"] = "\(ipv6)" }
        if source == .fallback {
            logger.warning(
                """
                Docker reports no address of this host on its bridge; writing \(addresses.ipv4) for ports bound to \
                every interface, which may not exist here: set --host-ip
                """, metadata: metadata)
        } else {
            logger.info("host address for ports bound to every interface", metadata: metadata)
        }
        return addresses
    }

    // MARK: - etcd

    /// Carries out the state machine's steps until it has none left that are due, `concurrency` at a time:
    /// the steps of a batch are independent. Removals free names, and the contenders for them come in the next
    /// batch of the same pass.
    ///
    /// `nothingHeld` is the start's question whether etcd holds anything under the roots (see `resync`).
    private func execute(
        keepAliveDue: @Sendable () -> Bool = { false }, strikes: inout Strikes, nothingHeld: Task<Bool, Never>? = nil
    ) async throws {
        defer {
            flushNotes()
            metrics.holding(state.registrations.values)
        }
        var readExistingKeys = false
        do {
            try await executeBatches(
                keepAliveDue: keepAliveDue, strikes: &strikes, readExistingKeys: &readExistingKeys,
                nothingHeld: nothingHeld)
        } catch {
            if readExistingKeys { await store.forgetExistingKeys() }
            throw error
        }
        if readExistingKeys { await store.forgetExistingKeys() }
    }

    private func executeBatches(
        keepAliveDue: @Sendable () -> Bool, strikes: inout Strikes, readExistingKeys: inout Bool,
        nothingHeld: Task<Bool, Never>?
    ) async throws {
        while true {
            let steps = state.nextSteps(at: now())
            if steps.isEmpty { return }
            // Leftovers of an earlier run are looked for before each first write: one read for them all.
            let firstWrites = steps.compactMap { step -> String? in
                guard case .write(_, let registration, _, true) = step else { return nil }
                return registration.name
            }
            if !readExistingKeys && firstWrites.count > 1 {
                if await nothingHeld?.value == true {
                    await store.assumeNothingHeld()
                } else {
                    try await store.readExistingKeys(of: firstWrites)
                }
                readExistingKeys = true
            }
            var keepAliveIsDue = false
            var leaseLost: PresenceError?
            var passEnded: (any Error)?
            _ = await forEachConcurrently(
                requests(of: steps), limit: Self.concurrency,
                shouldStart: {
                    keepAliveIsDue = keepAliveDue()
                    return !keepAliveIsDue
                },
                operation: { [store] steps -> [(any Error)?] in await Self.perform(steps, on: store) },
                handle: { steps, failures in
                    for (step, failure) in zip(steps, failures) {
                        // What lands after the lease was lost hung on it: it is written again with the rest.
                        guard leaseLost == nil else { return false }
                        guard let failure else {
                            strikes.succeeded()
                            state.completed(step)
                            count(step)
                            continue
                        }
                        if let error = failure as? PresenceError, error.code == .leaseLost {
                            leaseLost = error
                            return false
                        }
                        do {
                            try strikes.failed(failure)
                        } catch {
                            passEnded = passEnded ?? error
                            continue
                        }
                        metrics.containerFailure(step.operation)
                        state.failed(step, error: String(describing: failure), at: now())
                    }
                    return passEnded == nil
                })
            if let leaseLost {
                // Every registration hung on the lost lease: all are written again, on a new one.
                state.leaseLost()
                throw leaseLost
            }
            if let passEnded { throw passEnded }
            // A keep-alive may rewrite lost registrations: the batch is planned anew after it.
            if keepAliveIsDue { try await keepAlive() }
            flushNotes()
        }
    }

    /// The steps in the requests they go in: one each, except the writes to a store that carries several
    /// containers at once, which go in `concurrency` groups (of `writesPerGroup` at most), so that the groups
    /// still run side by side.
    private func requests(of steps: [RegistrationStep]) -> [[RegistrationStep]] {
        guard store.writesTogether else { return steps.map { [$0] } }
        let writes = steps.filter { if case .write = $0 { true } else { false } }
        let others = steps.filter { if case .write = $0 { false } else { true } }
        guard writes.count > 1 else { return steps.map { [$0] } }
        let size = min(Self.writesPerGroup, (writes.count + Self.concurrency - 1) / Self.concurrency)
        let groups = stride(from: 0, to: writes.count, by: size).map { Array(writes[$0..<min($0 + size, writes.count)]) }
        return groups + others.map { [$0] }
    }

    /// The most containers a store that writes several together is handed at once: with a port or two each,
    /// what fits one transaction of etcd's default 128 operations.
    static let writesPerGroup = 32

    /// Carries out `steps` (one, or writes that go together) and returns each one's failure, `nil` when it
    /// went through.
    private static func perform(_ steps: [RegistrationStep], on store: any RegistrationStore) async -> [(any Error)?] {
        if steps.count > 1 {
            return await store.write(
                steps.compactMap { step in
                    guard case .write(_, let registration, let plan, let isFirstWrite) = step else { return nil }
                    return RegistrationWrite(
                        container: registration.name, keys: registration.keys, plan: plan, isFirstWrite: isFirstWrite)
                })
        }
        do {
            for step in steps { try await perform(step, on: store) }
            return steps.map { _ in nil }
        } catch {
            return [error]
        }
    }

    private static func perform(_ step: RegistrationStep, on store: any RegistrationStore) async throws {
        switch step {
        case .write(_, let registration, let plan, let isFirstWrite):
            try await store.write(
                container: registration.name, keys: registration.keys, plan: plan, isFirstWrite: isFirstWrite)
        case .remove(_, let registration):
            try await store.remove(container: registration.name)
        case .removeDirectory(let directory):
            try await store.removeDirectory(directory)
        }
    }

    private func count(_ step: RegistrationStep) {
        switch step {
        case .write(_, _, _, let isFirstWrite): if isFirstWrite { metrics.registered() }
        case .remove: metrics.deregistered()
        case .removeDirectory: break
        }
    }

    /// Compares what etcd holds of this agent's keys with what it should hold, and corrects any difference: a
    /// write that timed out but landed late, a key someone else deleted or changed.
    private func correctDrift(strikes: inout Strikes) async throws {
        let held: [String: String]
        do {
            held = try await store.heldKeys(containers: state.touchedNames)
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
        guard let drift = state.correctDrift(etcdHolds: held) else { return }
        logger.warning(
            "etcd differed from what the agent wrote; correcting",
            metadata: [
                "stale": "\(drift.stale)", "missing_or_changed": "\(drift.missingOrChanged)",
                "containers": .array(drift.containers.map { .string($0) }),
            ])
        try await execute(strikes: &strikes)
    }

    private func flushNotes() {
        for note in state.takeNotes() {
            var metadata: Logger.Metadata = ["container": "\(note.container)"]
            if let ports = note.ports { metadata["ports"] = .array(ports.map { .string($0) }) }
            if let name = note.name, name != note.container { metadata["name"] = "\(name)" }
            logger.log(level: note.level, "\(note.message)", metadata: metadata)
        }
    }
}
