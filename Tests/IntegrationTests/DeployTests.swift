import Foundation
import PresenceTestSupport
import Testing

/// The files in deploy/, used as an operator would: the compose file brought up on the test dockerd, the systemd
/// unit verified by systemd and its command line run with the example environment file.
@Suite("Deployment files", .timeLimit(.minutes(4)))
struct DeployTests {
    static let root = TestEnvironment.repositoryRoot.path

    let docker: DockerCLI

    init() throws {
        docker = try DockerCLI()
    }

    /// Keys under `prefix` of container `name` only: `--all` also registers other tests' containers.
    func keys(_ etcd: EtcdReader, under prefix: String, of name: String) async throws -> [String: String] {
        try await etcd.keys(under: prefix + "/").filter { $0.key.hasPrefix("\(prefix)/\(name)/") }
    }

    /// Both compose files: the agent with the Docker socket, and the agent behind the read-only socket proxy.
    @Test(arguments: ["compose.yaml", "compose.proxy.yaml"])
    func composeRunsEtcdAndTheAgentForTheWholeHost(file: String) async throws {
        let dockerHost = try TestEnvironment.dockerHost()
        let proxied = file == "compose.proxy.yaml"
        let haproxyImage = "presence-haproxy:test"
        if proxied {
            try await shell([
                "bash", Self.root + "/scripts/build-haproxy-image.sh", "--docker-host", dockerHost, "--tag",
                haproxyImage,
            ])
        }
        let etcdImage = "presence-etcd:test"
        try await shell([
            "bash", Self.root + "/scripts/build-etcd-image.sh", "--docker-host", dockerHost, "--tag", etcdImage,
        ])
        let project = uniqueName("deploy")
        let etcdPort = try freePort()
        let prefix = uniquePrefix()
        let environment = [
            "DOCKER_HOST": dockerHost, "ETCD_IMAGE": etcdImage, "PRESENCE_IMAGE": try TestEnvironment.agentImage(),
            "ETCD_PORT": String(etcdPort), "ETCD_PEER_PORT": String(try freePort()),
            "DOCKER_SOCKET": String(dockerHost.dropFirst("unix://".count)), "PRESENCE_PREFIX": prefix,
            "DOCKER_GID": try await shell(["stat", "-c", "%g", String(dockerHost.dropFirst("unix://".count))])
                .trimmingCharacters(in: .whitespacesAndNewlines), "HAPROXY_IMAGE": haproxyImage,
        ]
        let compose = ["docker-compose", "-f", Self.root + "/deploy/" + file, "-p", project]
        let name = uniqueName("composed")
        defer {
            docker.remove(name)
            _ = try? shell(compose + ["down", "-v", "-t", "5"], environment: environment, allowFailure: true)
        }
        func logs() -> String {
            (try? shell(compose + ["logs", "--no-color"], environment: environment, allowFailure: true)) ?? ""
        }

        try await shell(compose + ["up", "-d"], environment: environment)
        let etcd = EtcdReader(endpoint: "http://127.0.0.1:\(etcdPort)")
        try await docker.start(name, ports: ["80", "53/udp"])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(expected.count == 4)
        let registered = try await eventually(timeout: .seconds(30)) {
            (try? await keys(etcd, under: prefix, of: name)) == expected
        }
        #expect(registered != nil, "compose logs: \(logs())")

        if proxied {
            // The agent sees the proxy's socket alone, and the proxy lets nothing but reading through.
            let mounts = try await docker.run(
                "inspect", "--format", "{{range .Mounts}}{{.Destination}} {{end}}", "\(project)_presence_1")
            #expect(mounts.split(separator: " ") == ["/run/presence"], "\(mounts)")
            let volume = try await docker.run(
                "volume", "inspect", "--format", "{{.Mountpoint}}", "\(project)_docker-proxy")
            let socket = volume + "/docker.sock"
            let create = try await shell([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--unix-socket", socket,
                "http://docker/v1.41/containers/create",
            ])
            #expect(create == "403")
            let list = try await shell([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", socket,
                "http://docker/v1.41/containers/json",
            ])
            #expect(list == "200")
        }

        try await docker.run("stop", name)
        let stopped = try await eventually { try await keys(etcd, under: prefix, of: name).isEmpty }
        #expect(stopped != nil, "docker stop removed the keys; compose logs: \(logs())")

        try await docker.run("start", name)
        let again = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        let restarted = try await eventually { try await keys(etcd, under: prefix, of: name) == again }
        #expect(restarted != nil, "compose logs: \(logs())")

        // The agent alone first, so that etcd still answers when its keys are checked.
        try await shell(compose + ["stop", "presence"], environment: environment)
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "stopping the agent removed its keys: \(logs())")
        let agentStatus = try await docker.run("inspect", "--format", "{{.State.ExitCode}}", "\(project)_presence_1")
        #expect(agentStatus == "0", "compose logs: \(logs())")

        try await shell(compose + ["down", "-v", "-t", "5"], environment: environment)
        let label = "label=com.docker.compose.project=\(project)"
        #expect(try await docker.run("ps", "-aq", "--filter", label).isEmpty, "down removed the containers")
        #expect(try await docker.run("volume", "ls", "-q", "--filter", label).isEmpty, "down -v removed etcd's data")
    }

    @Test func theSystemdUnitVerifiesAndItsCommandLineRegistersAndCleansUp() async throws {
        let unit = try SystemdUnit(contentsOf: Self.root + "/deploy/presence.service")
        #expect(unit.value("ExecStart")?.hasPrefix("/usr/local/bin/presence --all") == true)
        #expect(unit.value("EnvironmentFile") == "-/etc/default/presence")
        #expect(unit.value("KillSignal") == "SIGTERM")
        #expect(unit.value("Restart") == "on-failure")

        // systemd checks the executable exists: verify a copy that names the one just built.
        let directory = NSTemporaryDirectory() + "presence-unit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = directory + "/presence.service"
        try unit.replacingExecutable(with: try TestEnvironment.binary()).write(
            toFile: copy, atomically: true, encoding: .utf8)
        // verify exits 0 even for directives it ignores, so any output at all is a failure.
        let verify = try await shell(["sh", "-c", "systemd-analyze verify \"$0\" 2>&1", copy])
        #expect(verify.isEmpty, "systemd-analyze verify: \(verify)")
        let security = try await shell(["systemd-analyze", "security", "--offline=yes", copy])
        let exposure = security.split(separator: "\n").last { $0.contains("Overall exposure level") }
            .flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.flatMap { Double($0) }
        #expect(exposure.map { $0 < 3 } == true, "systemd-analyze security: \(security)")

        // The unit's command line with the example environment, pointed at the test servers.
        var environment = try SystemdUnit.environment(contentsOf: Self.root + "/deploy/presence.env")
        #expect(environment["PRESENCE_ETCD_ENDPOINTS"] != nil && environment["PRESENCE_DOCKER_HOST"] != nil)
        #expect(environment["PRESENCE_PREFIX"] != nil)
        let prefix = uniquePrefix()
        environment["PRESENCE_ETCD_ENDPOINTS"] = try TestEnvironment.etcd()
        environment["PRESENCE_DOCKER_HOST"] = try TestEnvironment.dockerHost()
        environment["PRESENCE_PREFIX"] = prefix
        let arguments = try unit.execStartArguments(environment: environment)
        let name = uniqueName("unit")
        defer { docker.remove(name) }
        // As systemd runs it: a user no account has (DynamicUser=), with the unit's supplementary group only.
        #expect(unit.value("DynamicUser") == "yes")
        let group = try #require(unit.value("SupplementaryGroups"))
        let groupID = try #require(
            Int(try await shell(["getent", "group", group]).split(separator: ":").dropFirst(2).first ?? ""),
            "the unit's group \(group) exists here (docker.io creates it)")
        let agent = try AgentProcess(arguments, environment: environment, user: 61_235, groups: [groupID])
        try await docker.start(name, ports: ["80", "53/udp"])
        let etcd = try EtcdReader()
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(expected.count == 4)
        let registered = try await eventually { try await keys(etcd, under: prefix, of: name) == expected }
        #expect(registered != nil, "arguments: \(arguments) agent: \(agent.log)")

        let (status, _) = try await agent.terminate()
        #expect(status == 0, "\(agent.log)")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "SIGTERM removed every key")
    }
}
