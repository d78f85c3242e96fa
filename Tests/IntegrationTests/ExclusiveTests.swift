import Foundation
import Testing

/// Tests that restart the shared dockerd: `scripts/test.sh` runs them alone, after every other test.
@Suite("Docker restarted under a running agent", .serialized, .timeLimit(.minutes(3)))
struct ExclusiveTests {
    @Test(arguments: ["v3", "v2"])
    func etcdIsExactAfterDockerRestarts(api: String) async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let script = try TestEnvironment.value("PRESENCE_TEST_SERVERS_SCRIPT")
        let directory = try TestEnvironment.value("PRESENCE_TEST_DIR")
        let prefix = uniquePrefix()
        let stays = uniqueName("stays")
        let returns = uniqueName("returns")
        let fresh = uniqueName("fresh")
        let names = [stays, returns, fresh]
        defer { for name in names { docker.remove(name) } }
        try docker.start(stays, ports: ["80"])
        try docker.start(returns, ports: ["80", "53/udp"], extra: ["--restart", "always"])
        let agent = try AgentProcess.start(container: names, prefix: prefix, api: api, ttl: 30, interval: 10)
        func keys() async throws -> [String: String] {
            api == "v3" ? try await etcd.keys(under: prefix + "/") : try await etcd.v2Keys(under: prefix)
        }
        #expect(try await eventually { try await keys().count == 6 } != nil, "\(agent.log)")
        try shell(["bash", script, "stop-docker", directory])
        try shell(["bash", script, "start-docker", directory])
        // While the agent reconnects: `returns` came back by its restart policy, `stays` did not; `fresh` is new.
        try docker.start(fresh, ports: ["8080"])
        let host = try docker.expectedHostIP()
        let expected = try docker.expectedKeys(prefix: prefix, names: names, host: host)
        #expect(expected.count == 6, "returns (2 ports) and fresh (1 port)")
        let exact = try await eventually(timeout: .seconds(20)) { try await keys() == expected }
        let held = try await keys()
        #expect(exact != nil, "etcd \(held) vs Docker \(expected)\n\(agent.log)")
        print("\(api): etcd exact \(exact.map { "\($0)" } ?? "never") after dockerd came back")
        #expect(agent.log.contains("event stream"), "the agent noticed the stream end")
        #expect(try await agent.terminate().status == 0)
    }
}
