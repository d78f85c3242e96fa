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
        try await docker.start(name, ports: ["80", "53/udp"])
        defer {
            docker.remove(name)
            docker.remove(agentName)
        }
        // The image's user is unprivileged: the socket's group is what lets it in.
        #expect(try await docker.run("image", "inspect", "--format", "{{.Config.User}}", image) == "65532:65532")
        try await Self.runAgent(
            agentName, inSocketGroup: true,
            [
                "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
                "--ttl", "10", "--interval", "2",
            ], docker: docker)
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
        let agentName = uniqueName("ungrouped")
        defer { docker.remove(agentName) }
        try await Self.runAgent(
            agentName, inSocketGroup: false,
            ["--all", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd()], docker: docker)
        var logs = ""
        let told = try await eventually(timeout: .seconds(20)) {
            logs = try await Self.logs(of: agentName, docker: docker)
            return logs.contains("permission denied; give the agent the socket's group")
        }
        #expect(told != nil, "agent logs: \(logs)")
        #expect(try await docker.run("inspect", "--format", "{{.State.Running}}", agentName) == "true")
    }

    /// The image keeps Swift's crash backtracer, and the function names it needs, compressed until a crash
    /// (deploy/backtracer-launcher.c): a crash names the agent's own functions, not `<unknown>`. The root file
    /// system is read-only, as the compose files run it: the launcher inflates the backtracer into memory files
    /// and the names into /dev/shm.
    @Test func aCrashInTheImageNamesTheAgentsFunctions() async throws {
        let report = try await Self.crashReport(options: ["--read-only"])
        // A frame of the agent's binary with a name: "1 [ra] 0x0000000000b629a9 _dispatch_sig_thread + 8 in
        // presence"; without symbols it reads "<unknown> in presence".
        #expect(!Self.namedFramesOfTheAgent(in: report).isEmpty, "no frame of presence is named: \(report)")
    }

    /// Without /dev/shm (`--ipc none` mounts none) the launcher cannot put the names anywhere the backtracer
    /// looks: the backtrace still comes, with addresses, and the launcher says why.
    @Test func withoutDevShmACrashStillHasABacktraceAndSaysWhy() async throws {
        let report = try await Self.crashReport(options: ["--read-only", "--ipc", "none"])
        #expect(
            report.contains("cannot write the agent's function names to /dev/shm/presence-symbols.debug"),
            "\(report)")
        #expect(report.contains("<unknown> in presence"), "\(report)")
        #expect(Self.namedFramesOfTheAgent(in: report).isEmpty, "\(report)")
    }

    /// Runs the image with `docker run`'s `options`, crashes the agent once it has started, and returns its log
    /// with the backtrace.
    static func crashReport(options: [String]) async throws -> String {
        let docker = try DockerCLI()
        let agentName = uniqueName("crashing")
        defer { docker.remove(agentName) }
        try await Self.runAgent(
            agentName, inSocketGroup: true, options: options,
            [
                "--container", uniqueName("absent"), "--prefix", uniquePrefix(), "--etcd-endpoints",
                try TestEnvironment.etcd(),
            ], docker: docker)
        func logs() async throws -> String { try await Self.logs(of: agentName, docker: docker) }
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
        return report
    }

    /// The backtrace's frames in the agent's executable that have a name.
    static func namedFramesOfTheAgent(in report: String) -> [Substring] {
        report.split(separator: "\n").filter {
            $0.hasSuffix(" in presence") && !$0.contains("<unknown>") && $0.contains(" + ")
        }
    }

    /// Runs the agent's image detached as `name`, on the host's network with the Docker socket mounted, in the
    /// socket's group when `inSocketGroup` (the image's user is unprivileged: that group is what lets it in),
    /// with `docker run`'s further `options`.
    static func runAgent(
        _ name: String, inSocketGroup: Bool, options more: [String] = [], _ arguments: [String], docker: DockerCLI
    ) async throws {
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        var options = ["run", "-d", "--name", name, "--network", "host", "-v", "\(socket):/var/run/docker.sock"] + more
        if inSocketGroup {
            let group = try await shell(["stat", "-c", "%g", socket]).trimmingCharacters(in: .whitespacesAndNewlines)
            options += ["--group-add", group]
        }
        try await docker.docker(options + [try TestEnvironment.agentImage()] + arguments)
    }

    /// What the agent in container `name` wrote: it logs to standard error, which `docker logs` passes on as
    /// its own.
    static func logs(of name: String, docker: DockerCLI) async throws -> String {
        try await shell(["sh", "-c", "docker -H \"$0\" logs \"$1\" 2>&1", docker.host, name])
    }
}
