import Foundation
import PresenceTestSupport
import Testing

/// An agent run by a rootless Podman's own user, on that user's socket: it sees that user's containers, and a
/// consumer dials what it registers.
@Suite("Rootless Podman", .serialized, .timeLimit(.minutes(4)))
struct RootlessPodmanTests {
    @Test func anAgentRunAsThePodmanUserFollowsItsContainers() async throws {
        let podman = RootlessPodman()
        defer { podman.stop() }
        try await podman.start()
        let etcd = try EtcdReader()
        let name = uniqueName("rootless")
        let prefix = uniquePrefix()
        // Rootless Podman's network lives in the user's namespace; the published ports listen on every address
        // of the host, loopback's among them.
        let agent = try AgentProcess(
            [
                "--container", name, "--docker-host", podman.dockerHost, "--host-ip", "lo", "--prefix", prefix,
                "--etcd-endpoints", try TestEnvironment.etcd(), "--ttl", "600", "--interval", "300",
            ], user: podman.uid, group: podman.gid)
        try await podman.serve(name, ports: ["80"])
        let hostPort = try await podman.hostPort(name, "80/tcp")
        let expected = ["\(prefix)/\(name)/80/host": "127.0.0.1", "\(prefix)/\(name)/80/port": hostPort]
        var held: [String: String] = [:]
        let registered = try await eventually {
            held = try await etcd.keys(under: prefix + "/")
            return held == expected
        }
        #expect(registered != nil, "\(held) \(agent.log)")
        let page = try await Consumer(docker: try DockerCLI()).fetchFromHost("127.0.0.1", hostPort)
        #expect(page == name)
        try await podman.podman(["stop", "-t", "0", name])
        let gone = try await eventually { try await etcd.keys(under: prefix + "/").isEmpty }
        #expect(gone != nil, "only Podman's events can explain it: \(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }
}
