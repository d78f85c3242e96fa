import PresenceTestSupport
import Synchronization

/// Samples every member's /metrics and /proc once a second for the whole run, so that the requests per second
/// of each scenario, a storm or its absence, can be read off afterwards.
final class FleetSampler: Sendable {
    private let cluster: FleetCluster
    private let checkerReads: CheckerReads
    private let start: ContinuousClock.Instant
    private let recorded = Mutex<[FleetSecond]>([])
    /// Each member's counters at its last answer: deltas are taken per member, and a member whose counters fell
    /// (it restarted) counts from zero.
    private let previous = Mutex<[String: [String: Double]]>([:])
    /// Each member process's CPU ticks at the last sample, by pid: a restarted member is a new pid, counted from 0.
    private let previousTicks = Mutex<[Int32: Int]>([:])

    init(cluster: FleetCluster, checkerReads: CheckerReads, start: ContinuousClock.Instant) {
        self.cluster = cluster
        self.checkerReads = checkerReads
        self.start = start
    }

    var seconds: [FleetSecond] { recorded.withLock { $0 } }

    /// The second of the run it is now.
    var now: Int { Int((ContinuousClock.now - start).components.seconds) }

    /// Samples until cancelled, on whole seconds of the run.
    func run() async {
        var tick = 1
        while !Task.isCancelled {
            do { try await Task.sleep(until: start + .seconds(tick), clock: .continuous) } catch { return }
            await sample(second: tick - 1)
            tick = max(tick + 1, now + 1)
        }
    }

    private func sample(second: Int) async {
        let members = cluster.members
        let answers = await withTaskGroup(of: (Int, MemberMetrics?).self) { group in
            for (index, member) in members.enumerated() {
                group.addTask { (index, await self.cluster.metrics(member)) }
            }
            var answers = [MemberMetrics?](repeating: nil, count: members.count)
            for await (index, metrics) in group { answers[index] = metrics }
            return answers
        }
        var row = FleetSecond(second: second)
        row.checkerReads = checkerReads.take()
        let pids = cluster.pids()
        for (member, metrics) in zip(members, answers) {
            if let pid = pids[member.name] {
                let meter = ProcessMeter(pid: pid)
                if let memory = try? meter.memory() { row.residentBytes[member.name] = memory.resident }
                if let ticks = try? meter.cpuTicks() {
                    let before = previousTicks.withLock { $0.updateValue(ticks, forKey: pid) } ?? 0
                    row.cpuSeconds[member.name] = Double(ticks - before) / Double(ProcessMeter.ticksPerSecond)
                }
            }
            guard let metrics else { continue }
            row.membersAnswering += 1
            if metrics.isLeader { row.leader = member.name }
            row.databaseBytes = max(row.databaseBytes, metrics.databaseBytes)
            row.databaseInUseBytes = max(row.databaseInUseBytes, metrics.databaseInUseBytes)
            row.keys = max(row.keys, metrics.keys)
            var counters = metrics.started
            counters["_failed"] = metrics.failed
            let before = previous.withLock { $0[member.name] } ?? [:]
            for (method, value) in counters {
                let earlier = before[method] ?? 0
                let delta = value >= earlier ? value - earlier : value
                guard delta > 0 else { continue }
                if method == "_failed" { row.failed += delta } else { row.requests[method, default: 0] += delta }
            }
            previous.withLock { $0[member.name] = counters }
        }
        // The checker's reads were served by some member; they are the measurement's, not the fleet's. So are
        // the lease checks and the leader lookups: the agent never asks for a lease's TTL or a member's status.
        if let range = row.requests["Range"] {
            row.requests["Range"] = max(0, range - Double(row.checkerReads))
        }
        for method in ["LeaseTimeToLive", "Status"] {
            row.driverRequests += row.requests.removeValue(forKey: method) ?? 0
        }
        recorded.withLock { $0.append(row) }
    }
}
