import Foundation
import Presence
import PresenceTestSupport
import Testing

/// Tests that restart the shared dockerd, need it quiet for a minute, or need no other agent to run:
/// `scripts/test.sh` runs them alone, after every other test.
@Suite("Alone on the shared dockerd: restarts, and a quiet minute", .serialized, .timeLimit(.minutes(3)))
struct ExclusiveTests {
    /// Also through the read-only socket proxy, which must pass the agent's reconnection on.
    @Test(arguments: [(EtcdAPIVersion.v3, false), (.v2, false), (.v3, true)])
    func etcdIsExactAfterDockerRestarts(api: EtcdAPIVersion, throughProxy: Bool) async throws {
        let proxy = try SocketProxy()
        defer { proxy.stop() }
        if throughProxy { try await proxy.start() }
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let script = try TestEnvironment.value("PRESENCE_TEST_SERVERS_SCRIPT")
        let directory = try TestEnvironment.value("PRESENCE_TEST_DIR")
        let prefix = uniquePrefix()
        let stays = uniqueName("stays")
        let returns = uniqueName("returns")
        let fresh = uniqueName("fresh")
        let names = [stays, returns, fresh]
        defer { for name in names { docker.remove(name) } }
        try await docker.start(stays, ports: ["80"])
        try await docker.start(returns, ports: ["80", "53/udp"], extra: ["--restart", "always"])
        let metrics = MetricsEndpoint(port: try freePort())
        let agent = try AgentProcess.start(
            container: names, prefix: prefix, api: api, ttl: 30, interval: 10,
            dockerHost: throughProxy ? proxy.dockerHost : nil, extra: ["--metrics-address", metrics.address])
        func keys() async throws -> [String: String] {
            api == .v3 ? try await etcd.keys(under: prefix + "/") : try await etcd.v2Keys(under: prefix)
        }
        #expect(try await eventually { try await keys().count == 6 } != nil, "\(agent.log)")
        try await shell(["bash", script, "stop-docker", directory])
        try await shell(["bash", script, "start-docker", directory])
        // While the agent reconnects: `returns` came back by its restart policy, `stays` did not; `fresh` is new.
        try await docker.start(fresh, ports: ["8080"])
        let host = try await docker.expectedHostIP()
        let expected = try await docker.expectedKeys(prefix: prefix, names: names, host: host)
        #expect(expected.count == 6, "returns (2 ports) and fresh (1 port)")
        let exact = try await eventually(timeout: .seconds(20)) { try await keys() == expected }
        let held = try await keys()
        #expect(exact != nil, "etcd \(held) vs Docker \(expected)\n\(agent.log)")
        let consistency = try await Consistency.check(
            api: api, etcd: etcd, docker: docker, prefix: prefix, names: names)
        Reliability.record(
            "dockerd restarted; one container back by policy, one not, one new (\(api)\(throughProxy ? ", through the socket proxy" : ""))",
            outcome: "stream reconnected, replayed and resynced", recovery: exact, consistency: consistency,
            passed: exact != nil && consistency.isExact)
        #expect(agent.log.contains("event stream"), "the agent noticed the stream end")
        // The metrics tell the same story: the stream was opened again, and the agent is ready once more.
        let scrape = try await metrics.scrape()
        let reconnects = scrape.samples.first { $0.name == "presence_docker_event_stream_reconnects_total" }?.value
        #expect((reconnects ?? 0) >= 1, "\(scrape)")
        #expect(scrape.samples.first { $0.name == "presence_containers_registered" }?.value == 2, "\(scrape)")
        let ready = try await eventually { try await metrics.get("/readyz")?.status == 200 }
        let readiness = try await metrics.get("/readyz")
        #expect(ready != nil, "readyz: \(String(describing: readiness))")
        #expect(try await agent.terminate().status == 0)
    }

    /// Churn: 100 containers started, stopped, paused and removed at random for 60 s. At every 10 s mark the
    /// test goes quiet and compares etcd with Docker; at the end etcd must be exact.
    @Test func churn() async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let label = "presence.churn=\(UUID().uuidString.prefix(8))"
        let prefix = uniquePrefix()
        let names = (0..<100).map { "churn\($0)-\(UUID().uuidString.prefix(6).lowercased())" }
        defer { docker.remove(names) }
        let agent = try AgentProcess.start(
            container: [], prefix: prefix, ttl: 30, interval: 10, extra: ["--label", label])
        // Start them in batches: the CLI's own start-up dominates one by one.
        for batch in stride(from: 0, to: names.count, by: 10) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in names[batch..<batch + 10] {
                    group.addTask { try await docker.start(name, ports: ["80"], extra: ["--label", label]) }
                }
                try await group.waitForAll()
            }
        }
        func consistency() async throws -> Consistency {
            try await Consistency.check(api: .v3, etcd: etcd, docker: docker, prefix: prefix, names: names)
        }
        #expect(
            try await Consistency.waitExact(
                api: .v3, etcd: etcd, docker: docker, prefix: prefix, names: names, timeout: .seconds(30)) != nil)
        var state = Dictionary(uniqueKeysWithValues: names.map { ($0, "running") })
        var operations = 0
        var largestGap = Consistency(stale: 0, missing: 0)
        var longestSettle: Duration = .zero
        var generator = SystemRandomNumberGenerator()
        let start = ContinuousClock.now
        var nextMark = start + .seconds(10)
        while ContinuousClock.now - start < .seconds(60) {
            // Three operations at a time, on three different containers.
            var commands: [(name: String, arguments: [String])] = []
            for name in Set((0..<3).map { _ in names.randomElement(using: &generator)! }) {
                switch (state[name]!, Int.random(in: 0..<4, using: &generator)) {
                case ("running", 0):
                    commands.append((name, ["stop", "-t", "0", name]))
                    state[name] = "stopped"
                case ("running", 1):
                    commands.append((name, ["pause", name]))
                    state[name] = "paused"
                case ("running", 2):
                    commands.append((name, ["rm", "-f", name]))
                    state[name] = "removed"
                case ("running", _): commands.append((name, ["restart", "-t", "0", name]))
                case ("paused", _):
                    commands.append((name, ["unpause", name]))
                    state[name] = "running"
                case ("stopped", 3):
                    commands.append((name, ["rm", "-f", name]))
                    state[name] = "removed"
                case ("stopped", _):
                    commands.append((name, ["start", name]))
                    state[name] = "running"
                default:
                    commands.append((name, []))
                    state[name] = "running"
                }
            }
            let exitedMeanwhile = try await withThrowingTaskGroup(of: String?.self) { group in
                for command in commands {
                    group.addTask {
                        if command.arguments.isEmpty {
                            try await docker.start(command.name, ports: ["80"], extra: ["--label", label])
                            return nil
                        }
                        do {
                            try await docker.docker(command.arguments)
                            return nil
                        } catch {
                            // Docker refused because the container is not running (it exited of itself since the
                            // last command): Docker's state is the truth the agent follows, and the test's too.
                            let status = try await docker.docker(
                                ["inspect", "-f", "{{.State.Status}}", command.name], allowFailure: true)
                            guard status == "exited" else { throw error }
                            return command.name
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { if let name = $1 { $0.append(name) } }
            }
            for name in exitedMeanwhile { state[name] = "stopped" }
            operations += commands.count
            if ContinuousClock.now >= nextMark {
                let gap = try await consistency()
                if gap.stale + gap.missing > largestGap.stale + largestGap.missing { largestGap = gap }
                let settled = try await Consistency.waitExact(
                    api: .v3, etcd: etcd, docker: docker, prefix: prefix, names: names, timeout: .seconds(10))
                let atMark = try await consistency()
                #expect(settled != nil, "at the \(milliseconds(nextMark - start) / 1000) s mark: \(atMark)")
                if let settled { longestSettle = max(longestSettle, settled) }
                nextMark = ContinuousClock.now + .seconds(10)
            }
        }
        let elapsed = ContinuousClock.now - start
        let settled = try await Consistency.waitExact(
            api: .v3, etcd: etcd, docker: docker, prefix: prefix, names: names, timeout: .seconds(15))
        let final = try await consistency()
        #expect(settled != nil && final.isExact, "\(final) \(agent.log.suffix(3000))")
        let rate = Double(operations) / (Double(milliseconds(elapsed)) / 1000)
        Reliability.record(
            "churn: 100 containers, \(operations) random start/stop/pause/restart/remove in \(milliseconds(elapsed) / 1000) s"
                + String(format: " (%.1f ops/s)", rate),
            outcome:
                "largest gap seen at a 10 s mark: \(largestGap); exact again within \(milliseconds(longestSettle)) ms",
            recovery: settled, consistency: final, passed: settled != nil && final.isExact)
        #expect(try await agent.terminate().status == 0)
    }
}
