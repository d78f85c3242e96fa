/// The agent's keys as an etcd watch shows them and Docker's events of this run, with the moment each arrived
/// here (``WallClock``, nanoseconds).
struct ObservedState: Sendable {
    /// One Docker event of a container of this run.
    struct DockerEventRecord: Sendable {
        var action: String
        /// Docker's own stamp, `timeNano`.
        var time: Int
        var arrival: Int
    }

    let agentPrefix: String
    let runID: String
    /// Container name -> its keys now in etcd.
    var present: [String: Set<String>] = [:]
    /// The agent's keys now in etcd.
    var total = 0
    /// Container name -> arrival of the latest PUT of one of its keys.
    var lastPut: [String: Int] = [:]
    /// Container name -> arrival of the latest DELETE of one of its keys.
    var lastDelete: [String: Int] = [:]
    var lastDeleteOfAny = 0
    /// etcd revision -> arrival of the event written at it, for the floor's writes.
    var revisionArrival: [Int: Int] = [:]
    /// Container id -> its events.
    var dockerEvents: [String: [DockerEventRecord]] = [:]
    /// Arrival of every container event of the host, and whether the container is this run's.
    var dockerArrivals: [(arrival: Int, ours: Bool)] = []
    /// Why a reader stopped, which fails every wait.
    var failure: String?
    var watchCreated = false

    init(agentPrefix: String, runID: String) {
        self.agentPrefix = agentPrefix + "/"
        self.runID = runID
    }

    /// The name of the container a key of the agent belongs to, or nil for a key outside the agent's prefix.
    private func containerName(of key: String) -> String? {
        guard key.hasPrefix(agentPrefix) else { return nil }
        return String(key.dropFirst(agentPrefix.count).prefix { $0 != "/" })
    }

    mutating func recordPut(key: String, revision: Int, arrival: Int) {
        revisionArrival[revision] = arrival
        guard let name = containerName(of: key) else { return }
        if present[name, default: []].insert(key).inserted { total += 1 }
        lastPut[name] = arrival
    }

    mutating func recordDelete(key: String, revision: Int, arrival: Int) {
        revisionArrival[revision] = arrival
        guard let name = containerName(of: key) else { return }
        if present[name]?.remove(key) != nil { total -= 1 }
        lastDelete[name] = arrival
        lastDeleteOfAny = arrival
    }

    mutating func recordDockerEvent(containerID: String, action: String, time: Int, ours: Bool, arrival: Int) {
        dockerArrivals.append((arrival, ours))
        guard ours else { return }
        dockerEvents[containerID, default: []].append(.init(action: action, time: time, arrival: arrival))
    }

    /// The first event `action` of container `id` stamped at or after `since`.
    func dockerEvent(_ id: String, _ action: String, since: Int) -> DockerEventRecord? {
        dockerEvents[id]?.first { $0.action == action && $0.time >= since }
    }

    func keyCount(of name: String) -> Int {
        present[name]?.count ?? 0
    }

    /// Whether each of `names` has exactly the number of keys `expected` gives it.
    func registered(_ names: [String], expected: [String: Int]) -> Bool {
        names.allSatisfy { keyCount(of: $0) == expected[$0] }
    }
}
