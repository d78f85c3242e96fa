import Foundation
import Presence
import PresenceTestSupport
import Testing

/// Docker's API over TLS, as dockerd `--tlsverify` serves it on a TCP port: the test dockerd listens so on
/// loopback, with certificates scripts/test-servers.sh made.
@Suite("Docker over TLS", .timeLimit(.minutes(3)))
struct DockerTLSTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    func agent(
        _ name: String, prefix: String, options: [String] = [], environment: [String: String] = [:]
    ) throws -> AgentProcess {
        try AgentProcess(
            [
                "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", try TestEnvironment.dockerTLSHost(), "--ttl", "4", "--interval", "1",
            ] + options, environment: environment)
    }

    /// Docker's own conventions: `DOCKER_TLS_VERIFY` and a `DOCKER_CERT_PATH` holding ca.pem, cert.pem, key.pem.
    @Test func dockersOwnVariablesRegisterAndDeregister() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("tls")
        defer { docker.remove(name) }
        let agent = try agent(
            name, prefix: prefix,
            environment: ["DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": try TestEnvironment.dockerCertPath()])
        try await docker.start(name, ports: ["80"])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(expected.count == 2)
        let registered = try await eventually { try await etcd.keys(.v3, under: prefix) == expected }
        #expect(registered != nil, "\(agent.log)")
        try await docker.run("stop", "-t", "0", name)
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix).isEmpty } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// The options, here from their `PRESENCE_*` variables, name the files one by one.
    @Test func theOptionsNameTheFiles() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("tlsopt")
        let path = try TestEnvironment.dockerCertPath()
        defer { docker.remove(name) }
        let agent = try agent(
            name, prefix: prefix,
            environment: [
                "PRESENCE_DOCKER_CACERT": path + "/ca.pem", "PRESENCE_DOCKER_CERT": path + "/cert.pem",
                "PRESENCE_DOCKER_KEY": path + "/key.pem",
            ])
        try await docker.start(name, ports: ["80"])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix) == expected } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// Each refusal is one line saying what to change; the agent keeps trying and writes nothing.
    @Test(arguments: ["wrong CA", "no client certificate", "a client certificate of another CA", "no TLS"])
    func aRefusedConnectionIsOneLineWithAdvice(setting: String) async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("tlsbad")
        let path = try TestEnvironment.dockerCertPath()
        let certificates = try TestCertificates()
        defer { docker.remove(name) }
        try await docker.start(name, ports: ["80"])
        let (options, advice): ([String], String) =
            switch setting {
            case "wrong CA":
                (
                    [
                        "--docker-cacert", certificates.otherCACertificate, "--docker-cert", path + "/cert.pem",
                        "--docker-key", path + "/key.pem",
                    ], "certificate verify failed"
                )
            case "no client certificate":
                (["--docker-cacert", path + "/ca.pem"], "give --docker-cert and --docker-key")
            case "a client certificate of another CA":
                (
                    [
                        "--docker-cacert", path + "/ca.pem", "--docker-cert", certificates.client.certificate,
                        "--docker-key", certificates.client.key,
                    ], "--docker-cert"
                )
            default:
                ([], "serves TLS (Client sent an HTTP request to an HTTPS server.); set DOCKER_TLS_VERIFY=1")
            }
        let agent = try agent(name, prefix: prefix, options: options)
        let told = try await eventually(timeout: .seconds(20)) { agent.log.contains(advice) }
        #expect(told != nil, "\(agent.log)")
        let line = agent.log.split(separator: "\n").first { $0.contains(advice) } ?? ""
        #expect(line.contains("warning"), "\(line)")
        try await Task.sleep(for: .seconds(2))
        #expect(agent.isRunning, "it keeps retrying: \(agent.log)")
        #expect(try await etcd.keys(.v3, under: prefix).isEmpty)
        #expect(try await agent.terminate().status == 0)
    }

    /// A plain `tcp://` host anywhere but on loopback hands Docker to whoever can reach the port: said at start.
    @Test func plainTCPBeyondLoopbackIsWarnedAbout() async throws {
        let address = try await docker.expectedHostIP()
        let agent = try AgentProcess(
            [
                "--container", "absent", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", "tcp://\(address):\(try freePort())",
            ])
        #expect(
            try await eventually { agent.log.contains("is reached without TLS: whoever can reach that port") } != nil,
            "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }
}
