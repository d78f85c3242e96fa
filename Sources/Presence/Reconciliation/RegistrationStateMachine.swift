import Logging

/// The host-wide decision, apart from any I/O: which container holds which name, what etcd must be told next,
/// and when a failed container is tried again.
///
/// The reconciler feeds it what Docker said (a container's decision, a container gone, a failed inspect) and
/// what etcd did (a step completed or failed), and carries out the steps it hands out. Every interleaving of
/// those inputs can so be tested synchronously, without a server.
///
/// - A container's failure is its own: it is retried with backoff while every other container goes on.
/// - A name has one holder. A container that was refused a name keeps its claim, in the order claims were
///   made, and is registered as soon as the holder's keys are removed.
/// - What is kept about a container is dropped once it is gone, so memory stays flat over any churn.
public struct RegistrationStateMachine: Sendable {
    /// A selected container that serves and publishes something: what it would register, and when it asked.
    struct Candidate: Sendable, Equatable {
        var registration: Registration
        var directories: Set<String>
        /// Lower claims win a contested name.
        var claim: Int
    }

    let layout: KeyLayout
    /// Containers named with `--container`: their notes are kept by name, since they are few and come back.
    let namedSelection: Set<String>
    let initialBackoff: Duration
    let maximumBackoff: Duration

    private(set) var candidates: [String: Candidate] = [:]
    /// What etcd holds, by container id, as confirmed by a completed write.
    private(set) var held: [String: Registration] = [:]
    /// Names that may have keys in etcd, including a write whose outcome is unknown: what shutdown removes.
    private(set) var touched: Set<String> = []
    /// Failures by container id (or directory), until a later attempt succeeds or the container is gone.
    private(set) var failures: [String: RegistrationFailure] = [:]
    /// Directories to remove that belong to no container of this agent.
    private(set) var strayDirectories: Set<String> = []
    /// Holders whose keys etcd may have lost (a lost lease, drift): written again whole, keeping their names.
    private(set) var rewrite: Set<String> = []
    private var displayNames: [String: String] = [:]
    private var lastNote: [String: String] = [:]
    private var nextClaim = 0
    private var notes: [RegistrationNote] = []

    public init(
        layout: KeyLayout, namedSelection: Set<String> = [], initialBackoff: Duration = .milliseconds(250),
        maximumBackoff: Duration = .seconds(5)
    ) {
        self.layout = layout
        self.namedSelection = namedSelection
        self.initialBackoff = initialBackoff
        self.maximumBackoff = max(maximumBackoff, initialBackoff)
    }

    // MARK: - What is known

    /// What etcd holds, by container id.
    public var registrations: [String: Registration] { held.filter { !rewrite.contains($0.key) } }

    /// The names whose keys may be in etcd: what a shutdown removes.
    public var touchedNames: [String] { touched.sorted() }

    /// The names of the registrations etcd holds that their containers still claim: what a keep-alive refreshes.
    /// One on its way out (its container stopped serving, or now claims another name) is left to expire, so
    /// that a removal etcd keeps failing costs at most one TTL of stale keys (v2, where each registration is
    /// refreshed on its own; v3 keys hang on the lease the others keep alive).
    public var keptNames: [String] {
        Set(registrations.filter { candidates[$0.key]?.registration.name == $0.value.name }.values.map(\.name))
            .sorted()
    }

    /// True when the agent has anything to do with this container: an event about it needs an inspect.
    public func isKnown(_ id: String) -> Bool {
        candidates[id] != nil || held[id] != nil || failures[id] != nil
    }

    /// How many containers the machine keeps anything about: flat over churn, for tests and benchmarks.
    public var trackedEntries: Int {
        Set(candidates.keys).union(held.keys).union(failures.keys).union(displayNames.keys)
            .union(lastNote.keys.filter { !$0.hasPrefix("name:") }).count
    }

    /// The slots its tables have room for: what it keeps in memory whether or not they are filled. Tables never
    /// shrink, so this grows with the most containers known at once, never with how many came and went.
    public var tableCapacity: Int {
        candidates.capacity + held.capacity + touched.capacity + failures.capacity + strayDirectories.capacity
            + rewrite.capacity + displayNames.capacity + lastNote.capacity + notes.capacity
    }

    /// The earliest moment a failed container is due to be tried again.
    public var nextRetry: ContinuousClock.Instant? { failures.values.map(\.retryAt).min() }

    /// Containers whose inspect failed and is due again at `now`.
    public func dueInspections(at now: ContinuousClock.Instant) -> Set<String> {
        Set(failures.filter { $0.value.operation == .inspect && $0.value.retryAt <= now }.keys)
    }

    /// Takes the notes made since the last call, in order.
    public mutating func takeNotes() -> [RegistrationNote] {
        defer { notes = [] }
        return notes
    }

    // MARK: - What Docker said

    /// Records Docker's decision for a container it answered about.
    public mutating func observe(_ id: String, containerName: String, decision: RegistrationDecision) {
        displayNames[id] = containerName
        if failures[id]?.operation == .inspect { failures[id] = nil }
        switch decision {
        case .register(let name, let ports, let warnings) where !ports.isEmpty:
            for warning in warnings { note(id, "partial:\(warning)", warning, level: .warning) }
            let registration = Registration(
                name: name, keys: layout.keys(container: name, id: id, ports: ports),
                ports: ports.map { "\($0.containerPort)/\($0.transport)=\($0.dialHost):\($0.hostPort)" })
            if var candidate = candidates[id], candidate.registration.name == name {
                candidate.registration = registration
                candidates[id] = candidate
            } else {
                candidates[id] = Candidate(
                    registration: registration, directories: Set(layout.directories(of: name)), claim: nextClaim)
                nextClaim += 1
            }
        case .register(_, _, let warnings):
            candidates[id] = nil
            for warning in warnings { note(id, "partial:\(warning)", warning, level: .warning) }
            note(id, "unpublished", "container runs but has no selected port to register")
        case .skip(let reason):
            let mattered = candidates[id] != nil || held[id] != nil || namedSelection.contains(containerName)
            candidates[id] = nil
            if mattered { note(id, reason, reason) }
            // A stopped container is as good as gone: nothing about it is kept once its keys are removed.
            if reason == RegistrationDecision.notRunning { forgetIfIdle(id) }
        case .refuse(let warning):
            candidates[id] = nil
            note(id, "refused:\(warning)", warning, level: .warning)
        }
    }

    /// Records that Docker no longer has the container (or lists it no longer): its keys go, then all about it.
    public mutating func containerGone(_ id: String) {
        if held[id] != nil || candidates[id] != nil { note(id, "gone", "container is gone") }
        candidates[id] = nil
        if failures[id]?.operation == .inspect { failures[id] = nil }
        forgetIfIdle(id)
    }

    /// Records an event that proves the container no longer serves (it died, was paused or destroyed).
    public mutating func stoppedServing(_ id: String) {
        guard candidates[id] != nil || held[id] != nil else { return }
        candidates[id] = nil
        note(id, "stopped serving", "container stopped serving")
        forgetIfIdle(id)
    }

    /// Records a full listing of the selected containers: every other container is gone.
    public mutating func listed(_ ids: Set<String>) {
        let known = Set(candidates.keys).union(held.keys).union(failures.keys).union(displayNames.keys)
        for id in known.subtracting(ids) where !id.hasPrefix("directory ") {
            containerGone(id)
        }
    }

    /// Notes, once, the `--container` names Docker does not list.
    public mutating func missing(names: some Sequence<String>) {
        for name in names {
            noteByKey("name:\(name)", container: name, "missing", "waiting for the container to appear")
        }
    }

    /// Records that Docker could not say what a container is: it is inspected again after a backoff, and
    /// whatever it holds stays as it is meanwhile.
    public mutating func inspectFailed(
        _ id: String, containerName: String, error: String, at now: ContinuousClock.Instant
    ) {
        displayNames[id] = displayNames[id] ?? containerName
        fail(id, .inspect, error, at: now)
    }

    // MARK: - What etcd did

    /// The steps that can be carried out now, removals first. Each is independent of the others in the batch;
    /// the steps that completions unblock (a contender for a freed name) come in the next batch.
    public mutating func nextSteps(at now: ContinuousClock.Instant) -> [RegistrationStep] {
        var steps: [RegistrationStep] = strayDirectories.sorted()
            .filter { !isBackingOff(RegistrationStep.directorySubject($0), at: now) }
            .map { .removeDirectory($0) }
        let assigned = assignment(at: now)
        for (id, registration) in held.sorted(by: { $0.key < $1.key })
        where assigned[id]?.name != registration.name && !isBackingOff(id, at: now) {
            steps.append(.remove(id: id, registration))
        }
        // Each claim looked up once, not at every comparison: with a full host, the sort was a millisecond.
        let byClaim = assigned.map { (claim: claim(of: $0.key), id: $0.key, registration: $0.value) }
            .sorted { $0.claim < $1.claim }
        for (_, id, registration) in byClaim {
            guard !isBackingOff(id, at: now) else { continue }
            if let current = held[id], !rewrite.contains(id) {
                guard current.name == registration.name, current.keys != registration.keys else { continue }
                steps.append(
                    .write(
                        id: id, registration, plan: RegistrationPlan(from: current.keys, to: registration.keys),
                        isFirstWrite: false))
            } else if held[id].map({ $0.name == registration.name }) ?? true {
                steps.append(
                    .write(id: id, registration, plan: RegistrationPlan(puts: registration.keys), isFirstWrite: true))
            }
        }
        for case .write(_, let registration, _, _) in steps {
            // A write whose answer is lost may still land: until a removal is confirmed, the name may hold keys.
            touched.insert(registration.name)
        }
        return steps
    }

    /// Records a step etcd carried out.
    public mutating func completed(_ step: RegistrationStep) {
        failures[step.subject] = nil
        switch step {
        case .write(let id, let registration, _, let isFirstWrite):
            held[id] = registration
            rewrite.remove(id)
            let container = displayNames[id] ?? registration.name
            note(
                id, Self.registeredState(registration.keys),
                isFirstWrite ? "container registered" : "registration changed", ports: registration.ports,
                name: registration.name == container ? nil : registration.name)
        case .remove(let id, let registration):
            held[id] = nil
            rewrite.remove(id)
            if !held.values.contains(where: { $0.name == registration.name }) { touched.remove(registration.name) }
            notes.append(
                RegistrationNote(
                    container: displayNames[id] ?? registration.name, message: "container deregistered",
                    name: registration.name))
            forgetIfIdle(id)
        case .removeDirectory(let directory):
            strayDirectories.remove(directory)
            for name in touched where layout.directories(of: name).contains(directory) {
                if !held.values.contains(where: { $0.name == name }) { touched.remove(name) }
            }
        }
    }

    /// Records a step that failed: only its container waits, with backoff; what etcd held is assumed unchanged.
    public mutating func failed(_ step: RegistrationStep, error: String, at now: ContinuousClock.Instant) {
        fail(step.subject, step.operation, error, at: now)
    }

    /// etcd lost the lease every key hung on: every registration is written again, as a first write.
    public mutating func leaseLost() {
        rewrite = Set(held.keys)
    }

    /// etcd lost these names' keys (a v2 directory expired): they are written again, as first writes.
    public mutating func lost(names: some Sequence<String>) {
        let lost = Set(names)
        rewrite.formUnion(held.filter { lost.contains($0.value.name) }.keys)
    }

    /// The agent stopped keeping keys alive (Docker fell silent): they expire, and are written again later.
    public mutating func abandon() {
        rewrite = Set(held.keys)
    }

    /// Every key this agent wrote was removed, at shutdown.
    public mutating func removedEverything() {
        held.removeAll()
        rewrite.removeAll()
        touched.removeAll()
        strayDirectories.removeAll()
    }

    mutating func markForRewrite(_ id: String) { rewrite.insert(id) }

    mutating func addStray(_ directory: String) { strayDirectories.insert(directory) }

    // MARK: - Names

    /// Who holds which name: holders that still claim their name keep it; then claims in order, each taking its
    /// name if no other container holds or was given an overlapping one. A leaving holder blocks its name until
    /// its removal is confirmed, so a contender is never written under keys that a failed removal left.
    mutating func assignment(at now: ContinuousClock.Instant) -> [String: Registration] {
        var assigned: [String: Registration] = [:]
        var occupied: [String: String] = [:]
        for (id, registration) in held {
            guard let candidate = candidates[id], candidate.registration.name == registration.name else { continue }
            assigned[id] = candidate.registration
            for directory in candidate.directories { occupied[directory] = id }
        }
        var leaving: [String: String] = [:]
        for (id, registration) in held where assigned[id] == nil {
            for directory in layout.directories(of: registration.name) { leaving[directory] = id }
        }
        for (id, candidate) in candidates.sorted(by: { $0.value.claim < $1.value.claim }) where assigned[id] == nil {
            if held[id] == nil && isBackingOff(id, at: now) { continue }
            if let holder = candidate.directories.lazy.compactMap({ occupied[$0] }).first {
                note(
                    id, "conflict:\(holder)",
                    "another container is registered as '\(candidate.registration.name)' (\(holder.prefix(12))); "
                        + "not registering this one until it leaves",
                    level: .warning)
                continue
            }
            if candidate.directories.contains(where: { leaving[$0].map { $0 != id } ?? false }) { continue }
            assigned[id] = candidate.registration
            for directory in candidate.directories { occupied[directory] = id }
        }
        return assigned
    }

    private func claim(of id: String) -> Int { candidates[id]?.claim ?? Int.max }

    // MARK: - Failures and forgetting

    private func isBackingOff(_ subject: String, at now: ContinuousClock.Instant) -> Bool {
        guard let failure = failures[subject] else { return false }
        return failure.retryAt > now
    }

    private mutating func fail(
        _ subject: String, _ operation: RegistrationOperation, _ error: String, at now: ContinuousClock.Instant
    ) {
        let count = (failures[subject]?.count ?? 0) + 1
        let delay = Backoff(initial: initialBackoff, maximum: maximumBackoff).delay(afterFailures: count)
        failures[subject] = RegistrationFailure(
            operation: operation, message: error, count: count, retryAt: now + delay)
        let container = displayNames[subject] ?? subject
        noteByKey(
            noteKey(subject), container: container, "failed:\(operation):\(error)",
            "\(error); retrying this container with backoff while the others go on",
            level: .warning, repeatLevel: .debug)
    }

    /// Drops everything about a container that neither holds keys nor could: what keeps memory flat.
    private mutating func forgetIfIdle(_ id: String) {
        guard candidates[id] == nil, held[id] == nil else { return }
        if let failure = failures[id], failure.operation != .inspect { return }
        failures[id] = nil
        displayNames[id] = nil
        lastNote[id] = nil
    }

    // MARK: - Notes

    /// What a registration's note remembers, to tell a repeat from news: its keys and values, unambiguous
    /// whatever they hold (each key's and value's length comes first). Built by hand: printing the pairs as an
    /// array goes through reflection, and cost milliseconds at a start with a full host.
    static func registeredState(_ keys: [String: String]) -> String {
        var state = "registered"
        for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
            state += ":" + String(key.utf8.count) + ":" + key + String(value.utf8.count) + ":" + value
        }
        return state
    }

    private func noteKey(_ id: String) -> String {
        guard let name = displayNames[id], namedSelection.contains(name) else { return id }
        return "name:\(name)"
    }

    private mutating func note(
        _ id: String, _ state: String, _ message: String, level: Logger.Level = .info, ports: [String]? = nil,
        name: String? = nil
    ) {
        noteByKey(
            noteKey(id), container: displayNames[id] ?? id, state, message, level: level, ports: ports, name: name)
    }

    private mutating func noteByKey(
        _ key: String, container: String, _ state: String, _ message: String, level: Logger.Level = .info,
        ports: [String]? = nil, name: String? = nil, repeatLevel: Logger.Level? = nil
    ) {
        var level = level
        if lastNote[key] == state {
            // A repeat says nothing new: dropped, or logged at `repeatLevel` for those who debug.
            guard let repeatLevel else { return }
            level = repeatLevel
        }
        lastNote[key] = state
        notes.append(
            RegistrationNote(
                container: container, level: level, message: message, ports: ports, name: name))
    }
}
