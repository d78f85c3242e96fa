import Foundation
import Presence
import PresenceTestSupport
import Testing

/// The event stream of a quiet Docker, reopened after 60 s without a byte: Docker replays from the agent's
/// resume point, which before any event is a second before the stream opened. Among the exclusive tests
/// because the shared dockerd must stay quiet for a minute: the other tests' containers make events.
extension ExclusiveTests {
    /// A container paused and unpaused just before the agent starts: the replay brings back the pause, which
    /// the agent's start already saw undone, and the running container's keys stay untouched throughout.
    @Test func aPauseFromJustBeforeTheStartIsNotTakenForNews() async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let prefix = uniquePrefix()
        let name = uniqueName("replayed")
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        try await docker.run("pause", name)
        try await docker.run("unpause", name)
        let agent = try AgentProcess.start(container: [name], prefix: prefix, ttl: 6, interval: 2)
        defer { agent.signal(SIGKILL) }
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix) == expected } != nil, "\(agent.log)")
        let revisions = try await etcd.revisions(under: prefix)
        let reopened = try await eventually(timeout: .seconds(90)) { agent.log.contains("replaying events since") }
        #expect(reopened != nil, "the quiet stream is reopened after 60 s: \(agent.log.suffix(2000))")
        // The replay arrives at once; give the agent a keep-alive interval to act on it.
        try await Task.sleep(for: .seconds(3))
        #expect(try await etcd.revisions(under: prefix) == revisions, "\(agent.log.suffix(3000))")
        #expect(!agent.log.contains("stopped serving"), "\(agent.log.suffix(3000))")
        #expect(try await agent.terminate().status == 0)
    }
}
