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

    /// The image keeps Swift's crash backtracer, and the symbol names it needs (stored compressed, see
    /// scripts/compress-symbol-names.py): a crash names the agent's own functions, not `<unknown>`.
    @Test func aCrashInTheImageNamesTheAgentsFunctions() async throws {
        let docker = try DockerCLI()
        let image = try TestEnvironment.agentImage()
        let agentName = uniqueName("crashing")
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        defer { docker.remove(agentName) }
        let group = try await shell(["stat", "-c", "%g", socket]).trimmingCharacters(in: .whitespacesAndNewlines)
        try await docker.docker([
            "run", "-d", "--name", agentName, "--network", "host", "-v", "\(socket):/var/run/docker.sock",
            "--group-add", group, image,
            "--container", uniqueName("absent"), "--prefix", uniquePrefix(), "--etcd-endpoints",
            try TestEnvironment.etcd(),
        ])
        func logs() async throws -> String {
            try await shell(["sh", "-c", "docker -H \"$0\" logs \"$1\" 2>&1", docker.host, agentName])
        }
        var startup = ""
        let started = try await eventually(timeout: .seconds(20)) {
            startup = try await logs()
            return startup.contains("presence started")
        }
        #expect(started != nil, "agent logs: \(startup)")
        // SIGABRT is one of the signals the runtime's crash handler takes, as from a failed precondition.
        try await docker.run("kill", "--signal", "ABRT", agentName)
        var report = ""
        let reported = try await eventually(timeout: .seconds(60)) {
            report = try await logs()
            return report.contains("Backtrace took")
        }
        #expect(reported != nil, "no backtrace; agent logs: \(report)")
        #expect(report.contains("Program crashed"), "\(report)")
        // A frame of the agent's binary with a name: "1 [ra] 0x0000000000b629a9 _dispatch_sig_thread + 8 in
        // presence"; without symbols it reads "<unknown> in presence".
        let named = report.split(separator: "\n").filter {
            $0.hasSuffix(" in presence") && !$0.contains("<unknown>") && $0.contains(" + ")
        }
        #expect(!named.isEmpty, "no frame of presence is named: \(report)")
    }
}
