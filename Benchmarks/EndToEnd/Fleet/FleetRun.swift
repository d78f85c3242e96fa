import Foundation
import Presence
import PresenceTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The fleet's scenarios, in order: all agents start at once (d), the steady state, containers churning (e),
/// the leader killed (a), the whole cluster restarted with its data (b) and without it (c); then every agent
/// stopped. Each fault is timed
/// until the registry is exact, then watched for one more keep-alive interval.
struct FleetRun: Sendable {
    let settings: FleetSettings
    let engine: SimulatedEngine
    let cluster: FleetCluster
    let agents: FleetAgents
    let checker: ExactnessChecker
    let sampler: FleetSampler
    let deadline: ContinuousClock.Instant

    func measure(into progress: FleetProgress) async throws {
        let hosts = engine.hosts
        Log.line("(d) starting \(hosts.count) agents at once")
        var start = ContinuousClock.now
        var second = sampler.now
        try agents.startAll(hosts)
        let spawn = (ContinuousClock.now - start).seconds
        progress.update { $0.spawnSeconds = spawn }
        Log.line("  spawned in \(Format.fixed(spawn, 1))s")
        let started = await aftermath(
            "(d)", "all \(hosts.count) agents start at once on an empty cluster", since: start, second: second)
        progress.update { $0.scenarios.append(started) }
        try checkBudget()

        let steadyStart = sampler.now + 1
        Log.line("steady state: \(settings.steady)s")
        try await Task.sleep(for: .seconds(settings.steady))
        let window = steadyStart...(sampler.now - 1)
        let memory = agentMemory()
        progress.update {
            $0.steady = window
            $0.agentsResident = memory.resident
            $0.agentsAnonymous = memory.anonymous
        }
        try checkBudget()

        if settings.churnRate > 0 && settings.churnSeconds > 0 {
            let churned = await churn()
            progress.update { $0.scenarios.append(churned) }
            try checkBudget()
        }

        start = .now
        second = sampler.now
        guard let leader = try await cluster.killLeader() else { throw BenchmarkError("no member says it leads") }
        Log.line("(a) killed the leader \(leader.name)")
        var result = await aftermath(
            "(a)", "the leader (\(leader.name)) is killed with SIGKILL", since: start, second: second)
        try await cluster.restart(leader)
        result.notes.append("\(leader.name) was restarted with its data after the hold")
        progress.update { $0.scenarios.append(result) }
        try checkBudget()

        start = .now
        second = sampler.now
        cluster.killAll()
        Log.line("(b) killed every member; restarting them with their data in \(settings.downtime)s")
        try await Task.sleep(for: .seconds(settings.downtime))
        try await cluster.startAll()
        let restarted = await aftermath(
            "(b)", "every member is killed and restarted with its data after \(settings.downtime)s",
            since: start, second: second)
        progress.update { $0.scenarios.append(restarted) }
        try checkBudget()

        start = .now
        second = sampler.now
        cluster.killAll()
        cluster.wipe()
        Log.line("(c) killed every member and wiped the data; a new cluster in \(settings.downtime)s")
        try await Task.sleep(for: .seconds(settings.downtime))
        try await cluster.startAll()
        let renewed = await aftermath(
            "(c)",
            "every member is killed, its data wiped, and a new empty cluster started after \(settings.downtime)s",
            since: start, second: second)
        progress.update { $0.scenarios.append(renewed) }
    }

    /// Times the registry until exact, then watches it for ``FleetSettings/hold``: is it still exact, and has
    /// every agent renewed its lease since the fault?
    private func aftermath(_ label: String, _ what: String, since start: ContinuousClock.Instant, second: Int) async
        -> ScenarioResult
    {
        var result = ScenarioResult(label: label, what: what, firstSecond: second, lastSecond: second)
        let timeout = min(.seconds(settings.settle), deadline - .now)
        let (took, first, last) = await checker.waitUntilExact(since: start, timeout: timeout)
        result.untilExact = took?.seconds
        result.first = first
        result.last = last
        Log.line(
            "  \(took.map { "exact after \(Format.fixed($0.seconds, 1))s" } ?? "NOT exact within \(Format.seconds(timeout))")"
                + "; first read: \(first?.summary ?? "none")")
        let holdEnd = min(ContinuousClock.now + settings.hold, deadline)
        while ContinuousClock.now < holdEnd, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            if let comparison = await checker.compare() {
                result.holdChecks += 1
                if comparison.isExact { result.holdExact += 1 } else { result.last = comparison }
            }
        }
        if let comparison = await checker.compare() {
            result.leaseTTL = await checker.remainingTTLs(of: comparison.leaseIDs)
            // An agent renews its lease every interval; etcd also refreshes every lease when a new leader takes
            // over, but that was at least the hold ago. A lease with more left than the TTL less one interval
            // (and 3 s for a slow keep-alive) was renewed by its agent during the hold.
            result.renewedBound = settings.ttl - Int(settings.effectiveInterval.rounded(.up)) - 3
        }
        result.agentsRunning = agents.running
        result.eventStreams = engine.hosts.reduce(0) { $0 + $1.subscriberCount }
        result.lastSecond = sampler.now
        Log.line(
            "  hold: \(result.holdExact)/\(result.holdChecks) checks exact; leases left \(result.leaseTTL.map { "\($0.least)-\($0.most)s" } ?? "?"); "
                + "\(result.agentsRunning) agents running, \(result.eventStreams) event streams open")
        return result
    }

    /// Stops ``FleetSettings/churnRate`` containers a second, spread over the hosts in turn, and starts each
    /// again ``FleetSettings/churnDowntime`` seconds later, as deployments do; then times the registry until
    /// exact from the churn's end.
    private func churn() async -> ScenarioResult {
        let hosts = engine.hosts
        let start = ContinuousClock.now
        let second = sampler.now
        Log.line(
            "(e) churn: \(settings.churnRate) containers stopped a second for \(settings.churnSeconds)s, each started \(settings.churnDowntime)s later"
        )
        var stopped: [(host: SimulatedHost, number: Int, tick: Int)] = []
        var cursor = 0
        for tick in 0..<(settings.churnSeconds + settings.churnDowntime) {
            try? await Task.sleep(until: start + .seconds(tick), clock: .continuous)
            // Once the budget is spent, the containers still stopped are started at once, below.
            if ContinuousClock.now >= deadline || Task.isCancelled { break }
            let due = stopped.filter { tick - $0.tick >= settings.churnDowntime }
            stopped.removeAll { tick - $0.tick >= settings.churnDowntime }
            for entry in due { entry.host.set(container: entry.number, running: true, now: WallClock.now) }
            guard tick < settings.churnSeconds else { continue }
            for _ in 0..<settings.churnRate {
                let host = hosts[cursor % hosts.count]
                let number = 1 + (cursor / hosts.count) % settings.containersPerHost
                cursor += 1
                host.set(container: number, running: false, now: WallClock.now)
                stopped.append((host, number, tick))
            }
        }
        for entry in stopped { entry.host.set(container: entry.number, running: true, now: WallClock.now) }
        var result = await aftermath(
            "(e)",
            "churn: \(settings.churnRate) containers stopped per second for \(settings.churnSeconds)s, each started again \(settings.churnDowntime)s later (timed from the last start)",
            since: .now, second: second)
        result.firstSecond = second
        return result
    }

    /// The agents' memory now, summed: VmRSS (much of it the shared binary) and RssAnon (their own).
    private func agentMemory() -> (resident: Int, anonymous: Int) {
        var total = (resident: 0, anonymous: 0)
        for pid in agents.pids {
            guard let memory = try? ProcessMeter(pid: pid).memory() else { continue }
            total.resident += memory.resident
            total.anonymous += memory.anonymous
        }
        return total
    }

    private func checkBudget() throws {
        if ContinuousClock.now >= deadline {
            throw BenchmarkError("the budget ran out; the remaining scenarios were skipped")
        }
        if agents.running < engine.hosts.count {
            Log.line("WARNING: only \(agents.running) of \(engine.hosts.count) agents are running")
        }
    }
}
