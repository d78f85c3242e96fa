import Foundation
import PresenceTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The fleet's agents: one real `presence` process per simulated host, host-wide (`--all`), each with its own
/// `--hostname` and so its own prefix, all against the three members.
final class FleetAgents: @unchecked Sendable {
    /// Guarded by `lock`: started and stopped by the driver, read by the cleanup of a signal.
    private var agents: [AgentProcess] = []
    private let lock = NSLock()
    let arguments: @Sendable (SimulatedHost) -> [String]

    /// - Parameter endpoints: the members' URLs; each agent gets them in a rotated order (host 1 starts with the
    ///   first member, host 2 with the second, …), since the agent dials the first that answers and a fleet
    ///   configured alike would otherwise put all its load on one member.
    init(engine: SimulatedEngine, endpoints: [String], ttl: Int, interval: Double?) {
        arguments = { host in
            let shift = (host.index - 1) % endpoints.count
            let rotated = Array(endpoints[shift...] + endpoints[..<shift])
            return [
                "--all", "--hostname", host.hostname, "--prefix", "/hosts/{hostname}/containers",
                "--docker-host", engine.dockerHost(host), "--etcd-endpoints", rotated.joined(separator: ","),
                "--etcd-api", "v3", "--ttl", String(ttl),
            ] + (interval.map { ["--interval", String($0)] } ?? [])
        }
    }

    /// Starts an agent for every host, one right after the other, as fast as processes can be spawned.
    func startAll(_ hosts: [SimulatedHost]) throws {
        for host in hosts {
            let agent = try AgentProcess(arguments(host))
            lock.withLock { agents.append(agent) }
        }
    }

    var pids: [Int32] { lock.withLock { agents.filter(\.isRunning).map(\.process.processIdentifier) } }

    var running: Int { lock.withLock { agents.filter(\.isRunning).count } }

    /// The log of an agent that exited, for the report of a failure.
    var exitedLog: String? {
        lock.withLock { agents.first { !$0.isRunning }.map { String($0.log.suffix(2000)) } }
    }

    /// SIGTERM to every agent (each removes its keys and exits), SIGKILL to those still running after `grace`.
    func stopAll(grace: Duration = .seconds(15)) async {
        let current = lock.withLock { agents }
        for agent in current { agent.signal(SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, current.contains(where: \.isRunning) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        for agent in current where agent.isRunning { agent.signal(SIGKILL) }
        // Releasing them reaps them and removes their logs (AgentProcess's deinit).
        lock.withLock { agents.removeAll() }
    }
}
