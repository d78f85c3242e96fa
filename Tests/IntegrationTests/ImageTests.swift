import Foundation
import PresenceTestSupport
import Testing

/// The agent run as a container, the original's way: the socket mounted, etcd on the host's loopback.
@Suite("The agent's image", .timeLimit(.minutes(3)))
struct ImageTests {
    @Test func theContainerisedAgentRegistersAndCleansUpOnDockerStop() async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let image = try TestEnvironment.agentImage()
        let name = uniqueName("imaged")
        let agentName = uniqueName("agent")
        let prefix = uniquePrefix()
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        try await docker.start(name, ports: ["80", "53/udp"])
        defer {
            docker.remove(name)
            docker.remove(agentName)
        }
        // The image's user is unprivileged: the socket's group is what lets it in.
        #expect(try await docker.run("image", "inspect", "--format", "{{.Config.User}}", image) == "65532:65532")
        let group = try await shell(["stat", "-c", "%g", socket]).trimmingCharacters(in: .whitespacesAndNewlines)
        try await docker.docker([
            "run", "-d", "--name", agentName, "--network", "host", "-v", "\(socket):/var/run/docker.sock",
            "--group-add", group, image,
            "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
            "--ttl", "10", "--interval", "2",
        ])
        let registered = try await eventually { try await etcd.keys(under: prefix + "/").count == 4 }
        let logs = try await docker.docker(["logs", agentName])
        #expect(registered != nil, "agent logs: \(logs)")
        #expect(
            try await etcd.keys(under: prefix + "/")["\(prefix)/\(name)/80/port"] == docker.hostPort(name, "80/tcp"))
        try await docker.run("stop", agentName)
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "docker stop (SIGTERM) removed the keys")
        #expect(try await docker.run("inspect", "--format", "{{.State.ExitCode}}", agentName) == "0")
    }

    /// Without the socket's group the unprivileged agent is refused: it says so in one line and keeps trying.
    @Test func withoutTheSocketsGroupTheImageSaysWhatToChange() async throws {
        let docker = try DockerCLI()
        let image = try TestEnvironment.agentImage()
        let agentName = uniqueName("ungrouped")
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        defer { docker.remove(agentName) }
        try await docker.docker([
            "run", "-d", "--name", agentName, "--network", "host", "-v", "\(socket):/var/run/docker.sock", image,
            "--all", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd(),
        ])
        var logs = ""
        let told = try await eventually(timeout: .seconds(20)) {
            // The agent logs to standard error, which `docker logs` passes on as its own.
            logs = try await shell(["sh", "-c", "docker -H \"$0\" logs \"$1\" 2>&1", docker.host, agentName])
            return logs.contains("permission denied; give the agent the socket's group")
        }
        #expect(told != nil, "agent logs: \(logs)")
        #expect(try await docker.run("inspect", "--format", "{{.State.Running}}", agentName) == "true")
    }
}
