import Foundation
import PresenceTestSupport
import Testing

/// Bad input: a one-line error naming the problem, exit 64, and nothing written to etcd.
@Suite("Usage errors", .timeLimit(.minutes(3)))
struct UsageTests {
    static let cases: [(arguments: [String], message: String)] = [
        ([], "nothing to register"),
        (["--container", "web", "--bogus"], "Unknown option '--bogus'"),
        (["--container"], "Missing value for '--container"),
        (["--container", "web", "--etcd-endpoints", "localhost:2379"], "is not a URL"),
        (["--container", "web", "--ttl", "1"], "--ttl must be at least 2"),
        (["--container", "web", "--ttl", "10", "--interval", "10"], "must be below --ttl"),
        (["--container", "web", "--interval", "abc"], "--interval"),
        (["--container", "web", "--prefix", "containers"], "absolute path"),
        (["--container", "web", "--prefix", "/a/../b"], "'..' segment"),
        (["--container", "web", "--etcd-api", "v4"], "v4"),
        (["--container", "web", "--docker-host", "ssh://host"], "is not unix:///path"),
        (["--container", "a/b"], "cannot be a container name"),
        (["--label", "=x"], "needs a key"),
        (["--label", "a=1", "--label", "a=2"], "different values"),
        (["--all", "--prefix", "/a/{host}"], "unknown placeholder {host}"),
        (["--all", "--interval", "10", "--resync", "5"], "--resync"),
        (["--all", "--prefix", "/h/{hostname}", "--hostname", "a/b"], "cannot stand in a key"),
        (["--all", "--host-ip", "nonexistent9"], "--host-ip nonexistent9: no such network interface here"),
        (["--all", "--host-ip", "300.1.2.3"], "is neither an IPv4 address nor a network interface name"),
        (["--all", "--host-ip6", "127.0.0.1"], "is an IPv4 address; give it to --host-ip"),
        (["--all", "--network", "front"], "add --address container"),
        (["--all", "--address", "overlay"], "overlay"),
        (["--all", "--docker-cacert", "/nonexistent/ca.pem"], "--docker-cacert '/nonexistent/ca.pem': no such file"),
        (["--all", "--docker-cert", "/etc/hostname"], "--docker-cert needs --docker-key"),
        (["--all", "--docker-cacert", "/etc/ssl/certs/ca-certificates.crt"], "TLS needs a tcp:// host"),
    ]

    @Test(arguments: cases)
    func badInputIsAUsageError(arguments: [String], message: String) async throws {
        let prefix = uniquePrefix()
        let etcd = try EtcdReader()
        let agent = try AgentProcess(
            ["--etcd-endpoints", try TestEnvironment.etcd(), "--docker-host", try TestEnvironment.dockerHost()]
                + (arguments.contains("--prefix") ? [] : ["--prefix", prefix]) + arguments)
        let status = try await agent.waitForExit()
        #expect(status == 64, "\(agent.log)")
        let lines = agent.log.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(agent.log)")
        #expect(agent.log.contains(message), "\(agent.log)")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty)
    }

    @Test func theEnvironmentSuppliesEndpointsAndDockerHost() async throws {
        let agent = try AgentProcess(
            ["--container", "web", "--prefix", uniquePrefix(), "--ttl", "4", "--interval", "1"],
            environment: [
                "ETCD_ENDPOINTS": try TestEnvironment.etcd(), "DOCKER_HOST": try TestEnvironment.dockerHost(),
            ])
        try await eventually { agent.log.contains("waiting for the container") }
        #expect(agent.log.contains("etcd=\(try TestEnvironment.etcd())"), "\(agent.log)")
        #expect(agent.log.contains("docker=\(try TestEnvironment.dockerHost())"))
        #expect(try await agent.terminate().status == 0)
    }

    @Test func helpAndVersion() async throws {
        let help = try AgentProcess(["--help"])
        #expect(try await help.waitForExit() == 0)
        for option in [
            "--container", "--etcd-api", "--etcd-endpoints", "ETCD_ENDPOINTS", "--ttl", "--interval",
            "--docker-host", "DOCKER_HOST", "--shutdown-timeout", "--prefix", "--host-ip",
            "--all", "--label", "--hostname", "--resync", "--ignore-health", "presence.ignore",
        ] {
            #expect(help.log.contains(option), "--help explains \(option)")
        }
        let version = try AgentProcess(["--version"])
        #expect(try await version.waitForExit() == 0)
        #expect(version.log.split(separator: ".").count == 3)
    }
}
