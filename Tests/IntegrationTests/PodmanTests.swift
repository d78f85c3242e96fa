import Foundation
import PresenceTestSupport
import Testing

/// The agent against Podman's Docker-compatible API instead of dockerd: its `/_ping` and `/version`, its event
/// stream and its inspect, where a port published on every interface has an empty `HostIp`.
///
/// Each test runs its own Podman service; the TTL and interval are far beyond the test's patience, so only
/// Podman's events can explain a key that goes away.
@Suite("Podman's Docker-compatible API", .serialized, .timeLimit(.minutes(3)))
struct PodmanTests {
    /// Written for ports bound to every interface; never dialled.
    static let hostIP = "198.51.100.7"

    let etcd: EtcdReader

    init() throws {
        etcd = try EtcdReader()
    }

    /// Starts the agent on `podman`'s socket with long timings.
    func agent(_ selection: [String], podman: PodmanService, prefix: String) throws -> AgentProcess {
        try AgentProcess(
            selection + [
                "--docker-host", podman.dockerHost, "--host-ip", Self.hostIP, "--prefix", prefix,
                "--etcd-endpoints", try TestEnvironment.etcd(), "--ttl", "600", "--interval", "300",
                "--log-level", "debug",
            ])
    }

    /// The keys a container run with `-p 80 -p 127.0.0.1:LOOPBACK:9000 -p 53/udp` should have.
    func expectedKeys(_ name: String, prefix: String, podman: PodmanService, loopback: Int) async throws
        -> [String: String]
    {
        [
            "\(prefix)/\(name)/80/host": Self.hostIP,
            "\(prefix)/\(name)/80/port": try await podman.hostPort(name, "80/tcp"),
            "\(prefix)/\(name)/9000/host": "127.0.0.1",
            "\(prefix)/\(name)/9000/port": String(loopback),
            "\(prefix)/\(name)/53-udp/host": Self.hostIP,
            "\(prefix)/\(name)/53-udp/port": try await podman.hostPort(name, "53/udp"),
        ]
    }

    func ports(loopback: Int) -> [String] { ["80", "127.0.0.1:\(loopback):9000", "53/udp"] }

    @Test func aNamedContainerComesAndGoesWithPodmansEvents() async throws {
        let podman = try PodmanService()
        defer { podman.stop() }
        try await podman.start()
        let name = uniqueName("podman")
        let prefix = uniquePrefix()
        let loopback = try freePort()
        try await podman.run(name, ports: ports(loopback: loopback))
        let expected = try await expectedKeys(name, prefix: prefix, podman: podman, loopback: loopback)
        #expect(expected["\(prefix)/\(name)/80/port"]?.isEmpty == false)
        #expect(try await podman.hostIP(name, "80/tcp") == "", "Podman reports no address for every interface")

        let agent = try agent(["--container", name], podman: podman, prefix: prefix)
        let registered = try await eventually { try await etcd.keys(under: prefix + "/") == expected }
        let held = try await etcd.keys(under: prefix + "/")
        #expect(registered != nil, "held: \(held) agent: \(agent.log)")

        try await podman.podman(["stop", "-t", "5", name])
        let stopped = try await eventually { try await etcd.keys(under: prefix + "/").isEmpty }
        #expect(stopped != nil, "podman stop removed the keys; agent: \(agent.log)")

        try await podman.podman(["start", name])
        let again = try await expectedKeys(name, prefix: prefix, podman: podman, loopback: loopback)
        let restarted = try await eventually { try await etcd.keys(under: prefix + "/") == again }
        #expect(restarted != nil, "podman start registered it again; agent: \(agent.log)")

        let (status, _) = try await agent.terminate()
        #expect(status == 0, "\(agent.log)")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "SIGTERM removed every key")
    }

    @Test func allRegistersEveryPodmanContainer() async throws {
        let podman = try PodmanService()
        defer { podman.stop() }
        try await podman.start()
        let prefix = uniquePrefix()
        let agent = try agent(["--all"], podman: podman, prefix: prefix)
        let names = [uniqueName("podman-a"), uniqueName("podman-b")]
        var expected: [String: String] = [:]
        for name in names {
            let loopback = try freePort()
            try await podman.run(name, ports: ports(loopback: loopback))
            expected.merge(try await expectedKeys(name, prefix: prefix, podman: podman, loopback: loopback)) { $1 }
        }
        let registered = try await eventually { try await etcd.keys(under: prefix + "/") == expected }
        let held = try await etcd.keys(under: prefix + "/")
        #expect(registered != nil, "held: \(held) agent: \(agent.log)")

        try await podman.podman(["stop", "-t", "5", names[0]])
        let remaining = expected.filter { !$0.key.hasPrefix("\(prefix)/\(names[0])/") }
        let stopped = try await eventually { try await etcd.keys(under: prefix + "/") == remaining }
        #expect(stopped != nil, "only the stopped container's keys went; agent: \(agent.log)")

        let (status, _) = try await agent.terminate()
        #expect(status == 0, "\(agent.log)")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "SIGTERM removed every key")
    }
}
