import Foundation
import Presence
import PresenceTestSupport
import Testing

/// One agent for the whole host, driven by Docker's events.
@Suite("Host-wide registration from Docker's events", .timeLimit(.minutes(3)))
struct HostWideTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    /// Keys under `prefix` for the given containers only: `--all` also registers other tests' containers.
    func keys(_ api: EtcdAPIVersion, under prefix: String, of names: [String]) async throws -> [String: String] {
        try await etcd.keys(api, under: prefix).filter { key, _ in names.contains { key.hasPrefix("\(prefix)/\($0)/") }
        }
    }

    @Test func allRegistersTwentyContainersOnOneLease() async throws {
        let prefix = uniquePrefix()
        let names = (0..<20).map { uniqueName("all\($0)") }
        defer { for name in names { docker.remove(name) } }
        let agent = try AgentProcess.start(container: [], prefix: prefix, ttl: 600, interval: 300, extra: ["--all"])
        for name in names { try await docker.start(name, ports: ["80", "53/udp"]) }
        let host = try await docker.expectedHostIP()
        let expected = try await docker.expectedKeys(prefix: prefix, names: names, host: host)
        #expect(expected.count == 80)
        let registered = try await eventually { try await keys(.v3, under: prefix, of: names) == expected }
        #expect(registered != nil, "\(agent.log)")
        let leases = Set(try await etcd.entries(under: prefix + "/").values.map(\.lease))
        #expect(leases.count == 1, "one lease per agent, whatever the number of containers")
        try await docker.docker(["stop", "-t", "0"] + names)
        #expect(try await eventually { try await keys(.v3, under: prefix, of: names).isEmpty } != nil)
        #expect(try await agent.terminate().status == 0)
        #expect(try await etcd.keys(.v3, under: prefix).isEmpty)
    }

    @Test func labelsSelectAndRefine() async throws {
        let prefix = uniquePrefix()
        let selector = "presence.test=\(UUID().uuidString.prefix(8))"
        let plain = uniqueName("plain")
        let ignored = uniqueName("ignored")
        let filtered = uniqueName("filtered")
        let renamed = uniqueName("renamed")
        let alias = uniqueName("alias")
        let evil = uniqueName("evil")
        let unselected = uniqueName("unselected")
        let all = [plain, ignored, filtered, renamed, evil, unselected]
        defer { for name in all { docker.remove(name) } }
        let agent = try AgentProcess.start(container: [], prefix: prefix, extra: ["--label", selector])
        let label = ["--label", selector]
        try await docker.start(plain, ports: ["80"], extra: label)
        try await docker.start(ignored, ports: ["80"], extra: label + ["--label", "presence.ignore=true"])
        try await docker.start(
            filtered, ports: ["80", "443", "53/udp"], extra: label + ["--label", "presence.ports=443,53/udp"])
        try await docker.start(renamed, ports: ["80"], extra: label + ["--label", "presence.name=\(alias)"])
        try await docker.start(evil, ports: ["80"], extra: label + ["--label", "presence.name=../../etc"])
        try await docker.start(unselected, ports: ["80"])
        let expected: Set = [
            "\(prefix)/\(plain)/80/host", "\(prefix)/\(plain)/80/port",
            "\(prefix)/\(filtered)/443/host", "\(prefix)/\(filtered)/443/port",
            "\(prefix)/\(filtered)/53-udp/host", "\(prefix)/\(filtered)/53-udp/port",
            "\(prefix)/\(alias)/80/host", "\(prefix)/\(alias)/80/port",
        ]
        let registered = try await eventually { Set(try await etcd.keys(.v3, under: prefix).keys) == expected }
        let held = try await etcd.keys(.v3, under: prefix)
        #expect(registered != nil, "\(held) \(agent.log)")
        #expect(held["\(prefix)/\(alias)/80/port"] == (try await docker.hostPort(renamed, "80/tcp")))
        try await eventually { agent.log.contains("container=\(evil)") }
        #expect(agent.log.contains("presence.name='../../etc' is not a valid key segment"), "\(agent.log)")
        #expect(agent.log.contains("container=\(evil)"), "the warning names the container")
        // Nothing was written outside the prefix.
        #expect(try await etcd.keys(under: "/etc").isEmpty)
        #expect(try await agent.terminate().status == 0)
    }

    /// With an interval far beyond the test's patience, only events can explain what the test sees.
    @Test(arguments: EtcdAPIVersion.allCases)
    func lifecycleEventsAreReflectedWithoutWaitingForAnInterval(api: EtcdAPIVersion) async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("events")
        let renamed = uniqueName("renamed")
        defer {
            docker.remove(name)
            docker.remove(renamed)
        }
        let agent = try AgentProcess.start(
            container: [name, renamed], prefix: prefix, api: api, ttl: 600, interval: 300)
        try await eventually { agent.log.contains("waiting for the container to appear") }
        var timings: [String] = []
        func expect(_ step: String, under container: String, count: Int) async throws {
            let took = try await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                let held = try await etcd.keys(api, under: prefix)
                return held.filter { $0.key.hasPrefix("\(prefix)/\(container)/") }.count == count
                    && (count > 0 || held.isEmpty)
            }
            let held = try await etcd.keys(api, under: prefix)
            #expect(took != nil, "\(step): \(held) \(agent.log)")
            timings.append("\(step) \(took.map { "\(milliseconds($0)) ms" } ?? "never")")
        }
        try await docker.start(name, ports: ["80"])
        try await expect("run", under: name, count: 2)
        try await docker.run("stop", "-t", "0", name)
        try await expect("stop", under: name, count: 0)
        try await docker.run("start", name)
        try await expect("start", under: name, count: 2)
        try await docker.run("pause", name)
        try await expect("pause", under: name, count: 0)
        try await docker.run("unpause", name)
        try await expect("unpause", under: name, count: 2)
        try await docker.run("rename", name, renamed)
        try await expect("rename", under: renamed, count: 2)
        try await docker.run("kill", renamed)
        try await expect("kill", under: renamed, count: 0)
        try await docker.run("start", renamed)
        try await expect("start again", under: renamed, count: 2)
        docker.remove(renamed)
        try await expect("destroy", under: renamed, count: 0)
        print("\(api) event → etcd: \(timings.joined(separator: ", "))")
        #expect(try await agent.terminate().status == 0)
    }

    @Test func aContainerWithAHealthcheckIsRegisteredOnlyWhileHealthy() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("health")
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, ttl: 600, interval: 300)
        try await docker.start(
            name, ports: ["80"],
            extra: ["--health-cmd", "test -f /ok", "--health-interval", "1s", "--health-retries", "1"])
        try await Task.sleep(for: .seconds(3))
        #expect(try await etcd.keys(.v3, under: prefix).isEmpty, "not registered while starting or unhealthy")
        try await docker.run("exec", name, "sh", "-c", "echo > /ok")
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix).count == 2 } != nil, "\(agent.log)")
        try await docker.run("exec", name, "sh", "-c", "rm /ok")
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix).isEmpty } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    @Test func ignoreHealthRegistersRegardless() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("nohealth")
        defer { docker.remove(name) }
        try await docker.start(name, ports: ["80"], extra: ["--health-cmd", "false", "--health-interval", "1s"])
        let agent = try AgentProcess.start(container: [name], prefix: prefix, extra: ["--ignore-health"])
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix).count == 2 } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// Docker unreachable for longer than the TTL: the keys expire; when it answers again they come back.
    @Test func dockerSilentForATTLLetsKeysExpireUntilItAnswers() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("silent")
        let proxy = try DockerProxy()
        try await proxy.start()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess(
            [
                "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", proxy.dockerHost, "--ttl", "3", "--interval", "1", "--log-level", "debug",
            ])
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix).count == 2 } != nil, "\(agent.log)")
        proxy.stop()
        let expired = try await eventually(timeout: .seconds(15)) { try await etcd.keys(.v3, under: prefix).isEmpty }
        #expect(expired != nil, "\(agent.log)")
        print("Docker cut: keys expired after \(expired.map { "\($0)" } ?? "never") (TTL 3 s)")
        // The lease is renewed only right after Docker answered, so it expires before the agent, a TTL after
        // Docker's last answer, says it stops keeping it alive.
        #expect(try await eventually { agent.log.contains("no longer keeping keys alive") } != nil, "\(agent.log)")
        try await proxy.start()
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix).count == 2 } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// A `{hostname}` prefix is the agent's own: leftovers are removed at start. A shared one is left alone.
    @Test(arguments: EtcdAPIVersion.allCases)
    func hostScopedPrefixesAreCleanedAtStart(api: EtcdAPIVersion) async throws {
        let base = uniquePrefix()
        let name = uniqueName("scoped")
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        for (key, value) in [
            ("node-1/ghost/80/port", "1"), ("node-1/\(name)/99/port", "2"), ("shared/ghost/80/port", "3"),
        ] {
            if api == .v3 {
                try await etcd.put("\(base)/\(key)", value)
            } else {
                try await etcd.v2Put("\(base)/\(key)", value)
            }
        }
        let scoped = try AgentProcess.start(
            container: [name], prefix: "\(base)/{hostname}", api: api, extra: ["--hostname", "node-1"])
        let expected: Set = ["\(base)/node-1/\(name)/80/host", "\(base)/node-1/\(name)/80/port"]
        let cleaned = try await eventually { Set(try await etcd.keys(api, under: "\(base)/node-1").keys) == expected }
        let held = try await etcd.keys(api, under: "\(base)/node-1")
        #expect(cleaned != nil, "\(held) \(scoped.log)")
        let shared = try AgentProcess.start(container: [name], prefix: "\(base)/shared", api: api)
        try await eventually { try await etcd.keys(api, under: "\(base)/shared").count == 3 }
        let sharedKeys = try await etcd.keys(api, under: "\(base)/shared")
        #expect(sharedKeys["\(base)/shared/ghost/80/port"] == "3")
        #expect(try await scoped.terminate().status == 0)
        #expect(try await shared.terminate().status == 0)
    }
}

/// What the agent sends to Docker, recorded by a proxy between them: only ever GET requests.
@Suite("The agent only reads from Docker", .timeLimit(.minutes(3)))
struct DockerReadOnlyTests {
    @Test func everyRequestToDockerIsAGet() async throws {
        let docker = try DockerCLI()
        let prefix = uniquePrefix()
        let name = uniqueName("readonly")
        let proxy = try DockerProxy(recording: true)
        try await proxy.start()
        defer { docker.remove(name) }
        let agent = try AgentProcess([
            "--all", "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
            "--docker-host", proxy.dockerHost, "--ttl", "3", "--interval", "1", "--resync", "1",
        ])
        let etcd = try EtcdReader()
        try await docker.start(name, ports: ["80"])
        #expect(try await eventually { try await etcd.keys(under: "\(prefix)/\(name)/").count == 2 } != nil)
        try await docker.run("pause", name)
        try await docker.run("unpause", name)
        try await docker.run("stop", "-t", "0", name)
        #expect(try await eventually { try await etcd.keys(under: "\(prefix)/\(name)/").isEmpty } != nil)
        try await Task.sleep(for: .seconds(2))
        #expect(try await agent.terminate().status == 0)
        let requests = proxy.requestLines
        let methods = Set(requests.map { $0.prefix { $0 != " " } })
        #expect(methods == ["GET"], "\(Set(requests))")
        #expect(requests.contains { $0.contains("/events") })
        #expect(requests.contains { $0.contains("/containers/json") })
        #expect(requests.contains { $0.contains("/_ping") })
        Reliability.record(
            "what the agent sends to Docker, recorded by a proxy", outcome: "\(requests.count) requests, all GET",
            recovery: nil, passed: methods == ["GET"])
    }
}
