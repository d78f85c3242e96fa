import Foundation
import Presence
import PresenceTestSupport
import Testing

/// `presence --container NAME` against the real dockerd and etcd, through both etcd APIs.
@Suite("Registration against real servers", .timeLimit(.minutes(3)))
struct RegistrationTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    /// The README's table, key for key, with the default prefix and the original's ports.
    @Test(.serialized, arguments: EtcdAPIVersion.allCases)
    func theDocumentedTable(api: EtcdAPIVersion) async throws {
        docker.remove("web")
        defer { docker.remove("web") }
        try await docker.start("web", ports: ["8080:80", "127.0.0.1:9090:9000", "5353:53/udp"])
        let agent = try AgentProcess.start(container: ["web"], prefix: "/containers", api: api)
        let host = try await docker.expectedHostIP()
        let expected = [
            "/containers/web/80/host": host,
            "/containers/web/80/port": "8080",
            "/containers/web/9000/host": "127.0.0.1",
            "/containers/web/9000/port": "9090",
            "/containers/web/53-udp/host": host,
            "/containers/web/53-udp/port": "5353",
        ]
        let registered = try await eventually { try await etcd.keys(api, under: "/containers/web") == expected }
        let held = try await etcd.keys(api, under: "/containers/web")
        #expect(registered != nil, "etcd holds \(held); log: \(agent.log)")
        let (status, _) = try await agent.terminate()
        #expect(status == 0)
        #expect(try await etcd.keys(api, under: "/containers/web").isEmpty)
    }

    @Test func v3KeysHangOnALeaseOfTheTTL() async throws {
        let name = uniqueName("lease")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, ttl: 7, interval: 2)
        try await eventually { try await etcd.keys(under: prefix + "/").count == 2 }
        let entries = try await etcd.entries(under: prefix + "/")
        let leases = Set(entries.values.map(\.lease))
        #expect(leases.count == 1 && !leases.contains("0"), "\(entries)")
        let lease = try await etcd.lease(try #require(leases.first))
        #expect(lease.granted == 7)
        #expect(lease.remaining > 0 && lease.remaining <= 7)
        #expect(try await docker.hostPort(name, "80/tcp") == entries["\(prefix)/\(name)/80/port"]?.value)
        _ = try await agent.terminate()
    }

    @Test func v2UsesADirectoryWithTheTTL() async throws {
        let name = uniqueName("v2dir")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: .v2, ttl: 7, interval: 2)
        try await eventually { try await etcd.v2Keys(under: prefix).count == 2 }
        let directory = try #require(try await etcd.v2Node("\(prefix)/\(name)"))
        #expect(directory["dir"] as? Bool == true)
        if try await etcd.renewsDirectoryTTL() {
            let ttl = try #require(directory["ttl"] as? Int)
            #expect(ttl > 0 && ttl <= 7)
        } else {
            // etcd 3.5 renews no directory's TTL: the directory has none, and the keys' own TTLs carry it.
            #expect(directory["ttl"] == nil, "\(directory)")
            #expect(agent.log.contains("cannot renew a directory's TTL"), "\(agent.log)")
        }
        // The keys inside carry the TTL too, so that one written after its directory was gone still expires.
        let port = try #require(try await etcd.v2Node("\(prefix)/\(name)/80/port"))
        let keyTTL = try #require(port["ttl"] as? Int)
        #expect(keyTTL > 0 && keyTTL <= 7)
        _ = try await agent.terminate()
    }

    /// Keys live through several TTLs while the container runs, go at its stop and come back at its start.
    @Test(arguments: EtcdAPIVersion.allCases)
    func refreshStopAndStart(api: EtcdAPIVersion) async throws {
        let name = uniqueName("life")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80", "53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api, ttl: 3, interval: 1)
        #expect(try await eventually { try await etcd.keys(api, under: prefix).count == 4 } != nil, "\(agent.log)")
        // Three TTLs later the keys are still there: the agent refreshed them.
        for _ in 0..<9 {
            try await Task.sleep(for: .seconds(1))
            #expect(try await etcd.keys(api, under: prefix).count == 4)
        }
        try await docker.run("stop", "-t", "0", name)
        let gone = try await eventually { try await etcd.keys(api, under: prefix).isEmpty }
        #expect(gone != nil)
        print("\(api): keys gone \(gone.map { "\($0)" } ?? "never") after docker stop (interval 1 s)")
        try await docker.run("start", name)
        #expect(try await eventually { try await etcd.keys(api, under: prefix).count == 4 } != nil)
        let (status, took) = try await agent.terminate()
        #expect(status == 0)
        #expect(try await etcd.keys(api, under: prefix).isEmpty)
        print("\(api): SIGTERM to exit took \(took)")
    }

    @Test func aContainerCreatedAfterTheAgentIsRegistered() async throws {
        let name = uniqueName("later")
        let prefix = uniquePrefix()
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix)
        try await eventually { agent.log.contains("waiting for the container to appear") }
        #expect(agent.log.contains("waiting for the container to appear"))
        try await docker.start(name, ports: ["80"])
        #expect(try await eventually { try await etcd.keys(under: prefix + "/").count == 2 } != nil, "\(agent.log)")
        _ = try await agent.terminate()
    }

    /// The same name, another container with other ports: the old port's keys go, the new ones come.
    @Test(arguments: EtcdAPIVersion.allCases)
    func aRecreatedContainerWithOtherPorts(api: EtcdAPIVersion) async throws {
        let name = uniqueName("recreate")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api)
        try await eventually { try await etcd.keys(api, under: prefix).keys.contains("\(prefix)/\(name)/80/port") }
        docker.remove(name)
        try await docker.start(name, ports: ["443", "53/udp"])
        let expected: Set = [
            "\(prefix)/\(name)/443/host", "\(prefix)/\(name)/443/port",
            "\(prefix)/\(name)/53-udp/host", "\(prefix)/\(name)/53-udp/port",
        ]
        let changed = try await eventually { Set(try await etcd.keys(api, under: prefix).keys) == expected }
        let held = try await etcd.keys(api, under: prefix)
        #expect(changed != nil, "\(held) \(agent.log)")
        #expect(held["\(prefix)/\(name)/443/port"] == (try await docker.hostPort(name, "443/tcp")))
        _ = try await agent.terminate()
    }

    @Test func hostIPOverridesTheBridgeGateway() async throws {
        let name = uniqueName("hostip")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, extra: ["--host-ip", "203.0.113.10"])
        let written = try await eventually {
            try await etcd.keys(under: prefix + "/")["\(prefix)/\(name)/80/host"] == "203.0.113.10"
        }
        #expect(written != nil, "\(agent.log)")
        _ = try await agent.terminate()
    }
}
