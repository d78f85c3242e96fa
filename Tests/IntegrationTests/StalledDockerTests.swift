import Foundation
import Presence
import PresenceTestSupport
import Testing

/// A Docker that stops answering without closing the connection, through scripts/stall-proxy.py: an answer cut
/// off after its head, and an event stream that falls silent. The agent must notice, say so, and recover.
@Suite("A Docker that stops answering mid-answer", .timeLimit(.minutes(5)))
struct StalledDockerTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    /// The agent for `container`, through the proxy at `dockerHost`.
    func agent(_ container: String, prefix: String, dockerHost: String, extra: [String] = []) throws -> AgentProcess {
        try AgentProcess(
            [
                "--container", container, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", dockerHost, "--ttl", "4", "--interval", "1", "--log-level", "debug",
            ] + extra)
    }

    @Test func aListOfContainersCutOffAfterItsHeadIsLoggedAndRetried() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("stalled")
        let proxy = try StallProxy.docker()
        try await proxy.start(probe: "/_ping")
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        try proxy.stall("/containers/json")
        let agent = try agent(name, prefix: prefix, dockerHost: "tcp://\(proxy.address)")
        defer { agent.signal(SIGKILL) }
        let logged = try await eventually(timeout: .seconds(90)) {
            agent.log.split(separator: "\n").contains {
                $0.contains("/containers/json") && $0.contains("stopped answering mid-answer")
            }
        }
        #expect(logged != nil, "\(agent.log.suffix(3000))")
        #expect(proxy.log.contains { $0.hasPrefix("stalled GET") && $0.contains("/containers/json") })
        #expect(try await etcd.keys(.v3, under: prefix).isEmpty, "nothing is registered while the list stalls")
        try proxy.disarm()
        let registered = try await eventually(timeout: .seconds(90)) {
            try await etcd.keys(.v3, under: prefix).count == 2
        }
        #expect(registered != nil, "\(agent.log.suffix(3000))")
        #expect(try await agent.terminate().status == 0)
        Reliability.record(
            "Docker stops answering GET /containers/json after its head", outcome: "logged, retried, registered",
            recovery: registered, passed: logged != nil && registered != nil)
    }

    /// Docker's event stream goes quiet without closing while a container starts: after the stream's bound for
    /// silence the agent reconnects, replaying from when the stream opened, and registers the container though
    /// no resync is due (`--resync 3600`).
    ///
    /// With `busy`, 300 more events follow the start while the stream is silent: Docker replays only its last
    /// 256, so the start is no longer among them, and the agent must see that something was missed.
    @Test(arguments: [false, true])
    func aSilentEventStreamIsReconnectedAndWhatItMissedReplayed(busy: Bool) async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("muted")
        let proxy = try StallProxy.docker()
        try await proxy.start(probe: "/_ping")
        defer { docker.remove(name) }
        let agent = try agent(name, prefix: prefix, dockerHost: "tcp://\(proxy.address)", extra: ["--resync", "3600"])
        defer { agent.signal(SIGKILL) }
        let streaming = try await eventually(timeout: .seconds(60)) {
            proxy.log.contains { $0.hasPrefix("answering GET") && $0.contains("/events?") }
        }
        #expect(streaming != nil, "\(proxy.log) \(agent.log.suffix(2000))")
        try proxy.mute("/events?")
        try await docker.start(name, ports: ["80"])
        let muted = try await eventually(timeout: .seconds(30)) { proxy.log.contains { $0.hasPrefix("muted GET") } }
        if busy {
            // 150 creates and 150 removals: more events than Docker keeps for a replay.
            let noise = (0..<150).map { "\(name)-noise-\($0)" }
            defer { docker.remove(noise) }
            for other in noise {
                try await docker.docker(["create", "--name", other, try TestEnvironment.image()])
            }
            try await docker.docker(["rm"] + noise)
        }
        try proxy.disarm()
        #expect(muted != nil, "\(proxy.log)")
        let registered = try await eventually(timeout: .seconds(150)) {
            try await etcd.keys(.v3, under: prefix).count == 2
        }
        #expect(registered != nil, "\(agent.log.suffix(3000))")
        #expect(agent.log.contains("Docker's event stream sent nothing for 60 s; reconnecting, replaying events since"))
        let streams = proxy.log.filter { $0.hasPrefix("GET") && $0.contains("/events?") }
        #expect(streams.count >= 2 && streams.dropFirst().allSatisfy { $0.contains("since=") }, "\(streams)")
        #expect(try await agent.terminate().status == 0)
        Reliability.record(
            "Docker's event stream falls silent without closing while a container starts"
                + (busy ? ", and 300 more events pass (Docker replays 256)" : ""),
            outcome: "reconnected after 60 s of silence, missed events replayed"
                + (busy ? "; events older than the reopening mean a resync, which registered it" : ", registered"),
            recovery: registered, passed: registered != nil)
    }
}
