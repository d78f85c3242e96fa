import Foundation
import Presence
import PresenceTestSupport
import Testing

/// The agent behind the read-only socket proxy it ships (deploy/docker-socket-proxy.cfg, run by HAProxy): the
/// whole registration path works through it, and nothing but the agent's own requests gets through.
@Suite("The read-only Docker socket proxy", .timeLimit(.minutes(4)))
struct SocketProxyTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    @Test func theRegistrationPathWorksThroughIt() async throws {
        let proxy = try SocketProxy()
        defer { proxy.stop() }
        try await proxy.start()
        let prefix = uniquePrefix()
        let name = uniqueName("proxied")
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, dockerHost: proxy.dockerHost)
        try await docker.start(name, ports: ["80", "53/udp"])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(expected.count == 4)
        func registered() async throws -> Bool { try await etcd.keys(.v3, under: prefix) == expected }
        func gone() async throws -> Bool { try await etcd.keys(.v3, under: prefix).isEmpty }
        #expect(try await eventually { try await registered() } != nil, "\(agent.log)")
        try await docker.run("pause", name)
        #expect(try await eventually { try await gone() } != nil, "paused: \(agent.log)")
        try await docker.run("unpause", name)
        #expect(try await eventually { try await registered() } != nil, "unpaused: \(agent.log)")
        try await docker.run("stop", "-t", "0", name)
        #expect(try await eventually { try await gone() } != nil, "stopped: \(agent.log)")
        try await docker.run("start", name)
        let again = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix) == again } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
        #expect(try await gone())
        // The agent's words for a refusal (DockerClient): a bare "403" also turns up in random names and ids.
        #expect(!agent.log.contains("403 Forbidden"), "the proxy refused nothing the agent asked: \(agent.log)")
    }

    @Test func everythingElseIsRefusedWith403() async throws {
        let proxy = try SocketProxy()
        defer { proxy.stop() }
        try await proxy.start()
        let name = uniqueName("untouchable")
        defer { docker.remove(name) }
        let id = try await docker.start(name, ports: ["80"])
        let version = try await docker.run("version", "--format", "{{.Server.APIVersion}}")
        for (method, path) in [
            ("GET", "/_ping"), ("HEAD", "/_ping"), ("GET", "/v\(version)/containers/json"),
            ("GET", "/v\(version)/containers/\(id)/json"), ("GET", "/v\(version)/containers/\(name)/json"),
            ("GET", "/v\(version)/networks/bridge"), ("GET", "/version"),
        ] {
            #expect(try await proxy.status(method, path) == 200, "\(method) \(path)")
        }
        for (method, path) in [
            ("POST", "/v\(version)/containers/create"), ("DELETE", "/v\(version)/containers/\(id)?force=1"),
            ("POST", "/v\(version)/containers/\(id)/kill"), ("GET", "/v\(version)/images/json"),
            ("GET", "/v\(version)/info"), ("GET", "/v\(version)/containers/\(id)/logs?stdout=1"),
            ("GET", "/v\(version)/containers/\(id)/archive?path=/"), ("GET", "/v\(version)/networks"),
            ("POST", "/_ping"),
            // HAProxy's METH_GET matches HEAD too: a HEAD on an allowed path must not pass for a GET.
            ("HEAD", "/v\(version)/containers/json"), ("HEAD", "/v\(version)/containers/\(id)/json"),
        ] {
            #expect(try await proxy.status(method, path) == 403, "\(method) \(path)")
        }
        #expect(try await docker.run("inspect", "--format", "{{.State.Running}}", name) == "true", "still there")
        // The docker CLI itself gets no further than reading: nothing is created.
        let label = "presence.proxy-test=\(UUID().uuidString.prefix(8))"
        try await shell(
            ["docker", "-H", proxy.dockerHost, "run", "--label", label, try TestEnvironment.image(), "true"],
            allowFailure: true)
        #expect(try await docker.run("ps", "-a", "--filter", "label=\(label)", "-q").isEmpty)
    }

    /// A proxy that refuses one of the agent's requests: one line naming what was refused and what to change,
    /// and the agent keeps trying.
    @Test func aRefusedRequestIsOneLineAndTheAgentKeepsTrying() async throws {
        let proxy = try SocketProxy(refusing: "containers/json")
        defer { proxy.stop() }
        try await proxy.start()
        let prefix = uniquePrefix()
        let agent = try AgentProcess.start(
            container: [], prefix: prefix, dockerHost: proxy.dockerHost, extra: ["--all"])
        let advice = "Docker refused the list of containers (403 Forbidden"
        #expect(try await eventually(timeout: .seconds(15)) { agent.log.contains(advice) } != nil, "\(agent.log)")
        let lines = agent.log.split(separator: "\n").filter { $0.contains(advice) }
        #expect(lines.first?.contains("let them through the proxy") == true, "\(lines)")
        #expect(lines.first?.contains("warning") == true, "\(lines)")
        try await Task.sleep(for: .seconds(3))
        #expect(agent.isRunning, "\(agent.log)")
        #expect(
            agent.log.split(separator: "\n").filter { $0.contains(advice) && $0.contains("warning") }.count == 1,
            "said once, retried quietly: \(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// Docker's event stream may stay silent; the agent reopens it after 60 s of silence, so the proxy must
    /// neither cut it sooner nor hold back an event that comes after the silence.
    @Test func aSilentEventStreamIsNeitherCutNorBuffered() async throws {
        let proxy = try SocketProxy()
        defer { proxy.stop() }
        try await proxy.start()
        let prefix = uniquePrefix()
        let name = uniqueName("late")
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, ttl: 600, interval: 300, dockerHost: proxy.dockerHost)
        try await eventually { agent.log.contains("waiting for the container") }
        // Beyond the 30 to 50 s that HAProxy configurations often allow, and below the agent's own 60 s.
        try await Task.sleep(for: .seconds(55))
        try await docker.start(name, ports: ["80"])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        // With an interval and a resync far beyond the test, only the event can explain the keys.
        let took = try await eventually(timeout: .seconds(5), every: .milliseconds(20)) {
            try await etcd.keys(.v3, under: prefix) == expected
        }
        #expect(took != nil, "\(agent.log)\n\(proxy.log)")
        #expect(!agent.log.contains("Docker closed the event stream"), "\(agent.log)\n\(proxy.log)")
        #expect(try await agent.terminate().status == 0)
    }
}
