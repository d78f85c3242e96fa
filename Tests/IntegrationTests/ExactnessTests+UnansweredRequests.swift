import Foundation
import Presence
import PresenceTestSupport
import Testing

/// v2 renews each registration with requests of its own. A request that goes unanswered (a connection that died
/// without closing, a proxy that hangs) must cost no other container its keys, and a removal that never reaches
/// etcd must not leave a stopped container's keys alive beyond one TTL.
extension ExactnessTests {
    /// An agent of `names` over v2 (TTL 6 s, interval 2 s, no periodic resync) whose etcd is behind a stall proxy.
    func v2AgentBehindStallProxy(_ names: [String], prefix: String) async throws -> (StallProxy, AgentProcess) {
        let etcdPort = try #require(URL(string: try TestEnvironment.etcd())?.port)
        let proxy = try StallProxy.etcd(port: etcdPort)
        try await proxy.start(probe: "/health")
        let agent = try AgentProcess.start(
            container: names, prefix: prefix, api: .v2, etcd: "http://\(proxy.address)", ttl: 6, interval: 2,
            extra: ["--resync", "3600"])
        return (proxy, agent)
    }

    @Test func aStalledRefreshOfOneContainerLetsNoOtherExpire() async throws {
        let prefix = uniquePrefix()
        // The stalled container comes first in name order, the order a keep-alive goes through them.
        let stalled = uniqueName("stalled")
        let steady = uniqueName("steady")
        try #require(stalled < steady)
        let names = [stalled, steady]
        for name in names { try await docker.start(name, ports: ["80", "53/udp"]) }
        defer { for name in names { docker.remove(name) } }
        let (proxy, agent) = try await v2AgentBehindStallProxy(names, prefix: prefix)
        defer { proxy.stop() }
        defer { agent.signal(SIGKILL) }
        let expected = try await self.expected(prefix, names)
        let steadyKeys = expected.filter { $0.key.hasPrefix("\(prefix)/\(steady)/") }
        #expect(steadyKeys.count == 4)
        let registered = try await eventually { try await etcd.keys(.v2, under: prefix) == expected }
        try #require(registered != nil, "\(agent.log)")

        // etcd receives and applies every refresh of the stalled container's keys; only the answers never come.
        try proxy.stall("/v2/keys\(prefix)/\(stalled)/")
        // Three TTLs, read straight from etcd: the steady container's keys must be there at every look.
        var gaps: [String] = []
        let clock = ContinuousClock()
        let end = clock.now + .seconds(18)
        while clock.now < end {
            let held = try await etcd.keys(.v2, under: prefix).filter { $0.key.hasPrefix("\(prefix)/\(steady)/") }
            if held != steadyKeys { gaps.append("\(clock.now): \(held.count) of 4") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let stalledRequests = proxy.log.filter { $0.hasPrefix("stalled ") }.count
        #expect(stalledRequests > 0, "the proxy stalled no refresh: \(proxy.log.suffix(20))")
        #expect(gaps.isEmpty, "the steady container's keys went missing: \(gaps.prefix(5))\n\(agent.log.suffix(4000))")

        try proxy.disarm()
        let exact = try await Consistency.waitExact(api: .v2, etcd: etcd, docker: docker, prefix: prefix, names: names)
        #expect(exact != nil, "\(agent.log.suffix(4000))")
        Reliability.record(
            "v2: one container's key refreshes answered never (TTL 6 s, interval 2 s, 18 s)",
            outcome: "\(stalledRequests) refreshes stalled; the other container's keys missing at \(gaps.count) looks",
            recovery: exact, passed: gaps.isEmpty && exact != nil)
        #expect(try await agent.terminate().status == 0)
    }

    /// The removal of a stopped container's keys never reaches etcd: the keep-alive no longer refreshes them, so
    /// they expire within the TTL, while the other container's stay.
    @Test func keysWhoseRemovalNeverLandsExpireWithinTheTTL() async throws {
        let prefix = uniquePrefix()
        let leaving = uniqueName("leaving")
        let steady = uniqueName("steady")
        let names = [leaving, steady]
        for name in names { try await docker.start(name, ports: ["80"]) }
        defer { for name in names { docker.remove(name) } }
        let (proxy, agent) = try await v2AgentBehindStallProxy(names, prefix: prefix)
        defer { proxy.stop() }
        defer { agent.signal(SIGKILL) }
        let expected = try await self.expected(prefix, names)
        let registered = try await eventually { try await etcd.keys(.v2, under: prefix) == expected }
        try #require(registered != nil, "\(agent.log)")
        let leavingKeys = { (keys: [String: String]) in keys.filter { $0.key.hasPrefix("\(prefix)/\(leaving)/") } }

        try proxy.hold("DELETE /v2/keys\(prefix)/\(leaving)")
        _ = try await docker.run("stop", "-t", "0", leaving)
        // One TTL after the last refresh, and an interval for that refresh to have been the one before the stop.
        let gone = try await eventually(timeout: .seconds(6 + 2 + 4)) {
            try await leavingKeys(etcd.keys(.v2, under: prefix)).isEmpty
        }
        let held = proxy.log.filter { $0.hasPrefix("held DELETE") }.count
        #expect(held > 0, "the proxy held no removal: \(proxy.log.suffix(20))")
        #expect(gone != nil, "the stopped container's keys outlived the TTL\n\(agent.log.suffix(4000))")
        let steadyKeys = expected.filter { $0.key.hasPrefix("\(prefix)/\(steady)/") }
        #expect(try await etcd.keys(.v2, under: prefix) == steadyKeys, "\(agent.log.suffix(4000))")

        try proxy.disarm()
        let exact = try await Consistency.waitExact(api: .v2, etcd: etcd, docker: docker, prefix: prefix, names: names)
        #expect(exact != nil, "\(agent.log.suffix(4000))")
        Reliability.record(
            "v2: the removal of a stopped container's keys never reaches etcd (TTL 6 s, interval 2 s)",
            outcome: gone != nil
                ? "\(held) removals held; the keys expired, no longer kept alive" : "the keys were kept alive",
            recovery: gone, passed: gone != nil && exact != nil)
        #expect(try await agent.terminate().status == 0)
    }
}
