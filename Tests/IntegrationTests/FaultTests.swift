import Foundation
import Testing

@Suite("Faults of etcd and Docker", .timeLimit(.minutes(3)))
struct FaultTests {
    let docker: DockerCLI

    init() throws {
        docker = try DockerCLI()
    }

    @Test(arguments: ["v3", "v2"])
    func etcdDownAtStartThenUp(api: String) async throws {
        let name = uniqueName("late-etcd")
        let prefix = uniquePrefix()
        let server = try EtcdServer()
        try docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api, etcd: server.endpoint)
        try await eventually { agent.log.contains("cannot reach etcd at \(server.endpoint)") }
        #expect(agent.log.contains("cannot reach etcd at \(server.endpoint)"), "the warning names the endpoint")
        #expect(agent.isRunning)
        try await server.start()
        let reader = EtcdReader(endpoint: server.endpoint)
        let registered = try await eventually {
            (api == "v3" ? try await reader.keys(under: prefix + "/") : try await reader.v2Keys(under: prefix)).count == 2
        }
        #expect(registered != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// A lease etcd forgot (here: etcd replaced by an empty one) is replaced and every key written again.
    @Test(arguments: ["v3", "v2"])
    func etcdLosingItsDataGetsEveryKeyBack(api: String) async throws {
        let name = uniqueName("wiped")
        let prefix = uniquePrefix()
        let server = try EtcdServer()
        try await server.start()
        try docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api, etcd: server.endpoint)
        let reader = EtcdReader(endpoint: server.endpoint)
        func count() async throws -> Int {
            (api == "v3" ? try await reader.keys(under: prefix + "/") : try await reader.v2Keys(under: prefix)).count
        }
        #expect(try await eventually { try await count() == 2 } != nil)
        server.stop()
        try server.wipe()
        try await server.start()
        #expect(try await eventually { try await count() == 2 } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
        #expect(try await count() == 0)
    }

    @Test func theNextEndpointIsTriedWhenOneIsDown() async throws {
        let name = uniqueName("failover")
        let prefix = uniquePrefix()
        try docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let dead = "http://127.0.0.1:\(try freePort())"
        let etcd = try EtcdReader()
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, etcd: "\(dead),\(try TestEnvironment.etcd())")
        #expect(try await eventually { try await etcd.keys(under: prefix + "/").count == 2 } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0)
        #expect(try await etcd.keys(under: prefix + "/").isEmpty)
    }

    @Test func aMissingDockerSocketIsNamedAndRetried() async throws {
        let socket = NSTemporaryDirectory() + "no-docker-\(UUID().uuidString.prefix(6)).sock"
        let agent = try AgentProcess([
            "--container", "web", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd(),
            "--docker-host", "unix://\(socket)", "--ttl", "4", "--interval", "1",
        ])
        let named = try await eventually {
            agent.log.contains("cannot reach Docker at unix://\(socket): no such file")
        }
        #expect(named != nil, "\(agent.log)")
        #expect(agent.isRunning, "the agent keeps retrying: Docker may start after it")
        #expect(try await agent.terminate().status == 0)
    }

    @Test func anUnreadableDockerSocketSaysWhatToCheck() async throws {
        let socket = NSTemporaryDirectory() + "not-a-socket-\(UUID().uuidString.prefix(6)).sock"
        FileManager.default.createFile(atPath: socket, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: socket) }
        let agent = try AgentProcess([
            "--container", "web", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd(),
            "--docker-host", "unix://\(socket)", "--ttl", "4", "--interval", "1",
        ])
        let named = try await eventually { agent.log.contains("cannot reach Docker at unix://\(socket)") }
        #expect(named != nil, "\(agent.log)")
        #expect(agent.isRunning)
        #expect(try await agent.terminate().status == 0)
    }
}
