import Foundation
import Presence
import PresenceTestSupport
import Testing

@Suite("Shutdown and crashes", .timeLimit(.minutes(3)))
struct ShutdownTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    @Test(arguments: EtcdAPIVersion.allCases, [SIGTERM, SIGINT])
    func aSignalRemovesEveryKeyAndExitsZero(api: EtcdAPIVersion, signal: Int32) async throws {
        let name = uniqueName("term")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80", "81", "82/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api, ttl: 60, interval: 30)
        #expect(try await eventually { try await etcd.keys(api, under: prefix).count == 6 } != nil, "\(agent.log)")
        let start = ContinuousClock.now
        agent.signal(signal)
        let status = try await agent.waitForExit()
        let took = ContinuousClock.now - start
        #expect(status == 0, "\(agent.log)")
        #expect(try await etcd.keys(api, under: prefix).isEmpty)
        print("\(api) signal \(signal): exited \(status.map(String.init) ?? "-") after \(took), keys gone")
    }

    /// A killed agent cannot clean up; its keys must still go, by themselves, within the TTL.
    @Test(arguments: EtcdAPIVersion.allCases)
    func sigkillLeavesKeysToExpireWithinTheTTL(api: EtcdAPIVersion) async throws {
        let name = uniqueName("kill")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api, ttl: 5, interval: 1)
        #expect(try await eventually { try await etcd.keys(api, under: prefix).count == 2 } != nil)
        agent.signal(SIGKILL)
        let killed = ContinuousClock.now
        let right = try await etcd.keys(api, under: prefix)
        #expect(right.count == 2, "still there right after the kill: \(right)\n\(agent.log)")
        // etcd expires leases on its own clock, and a machine busy with the rest of the suite slows both etcd and
        // this poll: the bound is generous, the time it took is recorded.
        let expired = try await eventually(timeout: .seconds(30)) { try await etcd.keys(api, under: prefix).isEmpty }
        let gone = expired.map { _ in ContinuousClock.now - killed }
        #expect(gone != nil)
        _ = try await agent.waitForExit()
        Reliability.record(
            "agent killed with SIGKILL (\(api), TTL 5 s)", outcome: "keys expired with the TTL", recovery: gone,
            consistency: Consistency(stale: try await etcd.keys(api, under: prefix).count, missing: 0),
            passed: gone != nil)
    }

    @Test func sigtermWithEtcdUnreachableExitsOneWithinTheShutdownTimeout() async throws {
        let name = uniqueName("noetcd")
        let prefix = uniquePrefix()
        let server = try EtcdServer()
        try await server.start()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, etcd: server.endpoint, ttl: 10, interval: 2,
            extra: ["--shutdown-timeout", "2"])
        let reader = EtcdReader(endpoint: server.endpoint)
        #expect(try await eventually { try await reader.keys(under: prefix + "/").count == 2 } != nil)
        server.stop()
        let (status, took) = try await agent.terminate()
        #expect(status == 1)
        // How long it took is printed, not asserted (the machine is shared): the agent says it gave up at its
        // own deadline.
        #expect(agent.log.contains("within 2.0 s"), "\(agent.log)")
        #expect(agent.log.contains("they expire within the TTL of 10 s"), "\(agent.log)")
        Reliability.record(
            "SIGTERM while etcd is unreachable (--shutdown-timeout 2)",
            outcome: "exit \(status.map(String.init) ?? "none") after \(milliseconds(took)) ms, message names the TTL",
            recovery: nil, passed: status == 1)
    }
}
