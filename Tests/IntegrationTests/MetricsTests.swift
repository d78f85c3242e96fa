import Foundation
import Presence
import PresenceTestSupport
import Testing

/// `--metrics-address`: the real agent's `/metrics`, `/healthz` and `/readyz`, scraped over loopback.
@Suite("Metrics and health endpoints", .timeLimit(.minutes(3)))
struct MetricsTests {
    let docker: DockerCLI

    init() throws {
        docker = try DockerCLI()
    }

    @Test(arguments: EtcdAPIVersion.allCases)
    func theMetricsFollowAContainer(api: EtcdAPIVersion) async throws {
        let name = uniqueName("metrics")
        let endpoint = MetricsEndpoint(port: try freePort())
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: uniquePrefix(), api: api, extra: ["--metrics-address", endpoint.address])
        var readyz: (status: Int, body: String)?
        let ready = try await eventually {
            readyz = try await endpoint.get("/readyz")
            return readyz?.status == 200
        }
        #expect(ready != nil, "readyz: \(String(describing: readyz)); log: \(agent.log)")
        #expect(try await endpoint.get("/healthz")?.status == 200)
        var scrape = try await endpoint.scrape()
        #expect(scrape["presence_containers_registered"] == 0, "\(scrape)")
        #expect(scrape["presence_keys_held"] == 0)

        try await docker.start(name, ports: ["80"])
        let registered = try await eventually {
            scrape = try await endpoint.scrape()
            return scrape["presence_containers_registered"] == 1 && scrape["presence_keys_held"] == 2
        }
        #expect(registered != nil, "\(scrape)\nlog: \(agent.log)")
        #expect(scrape["presence_registrations_total"] == 1)
        // Other tests start containers on the same engine: their events count too.
        #expect((scrape["presence_docker_events_total", ["action": "start"]] ?? 0) >= 1, "\(scrape)")
        let write = api == .v3 ? "txn" : "v2_put"
        #expect((scrape["presence_etcd_requests_total", ["kind": write, "outcome": "ok"]] ?? 0) >= 1, "\(scrape)")
        #expect((scrape["presence_etcd_request_duration_seconds_count", ["kind": write]] ?? 0) >= 1)
        let lastSync = try await eventually {
            scrape = try await endpoint.scrape()
            return (scrape["presence_last_sync_timestamp_seconds"] ?? 0) > Date().timeIntervalSince1970 - 60
        }
        #expect(lastSync != nil, "\(scrape)")
        let keptAlive = try await eventually {
            scrape = try await endpoint.scrape()
            return (scrape["presence_lease_keepalives_total"] ?? 0) >= 1
        }
        #expect(keptAlive != nil, "\(scrape)")
        #expect(try await endpoint.get("/readyz")?.status == 200)

        try await docker.run("stop", "-t", "1", name)
        let deregistered = try await eventually {
            scrape = try await endpoint.scrape()
            return scrape["presence_containers_registered"] == 0 && scrape["presence_keys_held"] == 0
        }
        #expect(deregistered != nil, "\(scrape)\nlog: \(agent.log)")
        #expect(scrape["presence_deregistrations_total"] == 1)
        #expect((scrape["presence_docker_events_total", ["action": "die"]] ?? 0) >= 1)
        #expect(try await endpoint.get("/healthz")?.status == 200)
        #expect(try await agent.terminate().status == 0)
        #expect(try await endpoint.get("/healthz") == nil, "the endpoint stops with the agent")
    }

    @Test func anUnreachableEtcdMakesTheAgentUnready() async throws {
        let name = uniqueName("metrics-noetcd")
        let endpoint = MetricsEndpoint(port: try freePort())
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let dead = "http://127.0.0.1:\(try freePort())"
        let agent = try AgentProcess.start(
            container: [name], prefix: uniquePrefix(), etcd: dead, extra: ["--metrics-address", endpoint.address])
        var readyz: (status: Int, body: String)?
        let unready = try await eventually {
            readyz = try await endpoint.get("/readyz")
            return readyz?.status == 503 && readyz?.body.contains("etcd has not answered") == true
        }
        #expect(unready != nil, "readyz: \(String(describing: readyz)); log: \(agent.log)")
        #expect(readyz?.body.contains("cannot reach etcd at \(dead)") == true, "\(String(describing: readyz))")
        #expect(readyz?.body.split(separator: "\n").count == 1)
        #expect(try await endpoint.get("/healthz")?.status == 200, "the process itself is fine")
        let scrape = try await endpoint.scrape()
        #expect((scrape["presence_etcd_requests_total", ["outcome": "unreachable"]] ?? 0) >= 1, "\(scrape)")
        #expect(scrape["presence_etcd_requests_total", ["outcome": "ok"]] == nil, "\(scrape)")
        #expect(scrape["presence_containers_registered"] == 0)
        #expect(try await agent.terminate().status == 0)
    }

    @Test func aMissingDockerSocketMakesTheAgentUnready() async throws {
        let socket = NSTemporaryDirectory() + "no-docker-\(UUID().uuidString.prefix(6)).sock"
        let endpoint = MetricsEndpoint(port: try freePort())
        let agent = try AgentProcess([
            "--container", "web", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd(),
            "--docker-host", "unix://\(socket)", "--ttl", "4", "--interval", "1",
            "--metrics-address", endpoint.address,
        ])
        var readyz: (status: Int, body: String)?
        let unready = try await eventually {
            readyz = try await endpoint.get("/readyz")
            return readyz?.status == 503 && readyz?.body.contains("Docker has not answered") == true
        }
        #expect(unready != nil, "readyz: \(String(describing: readyz)); log: \(agent.log)")
        #expect(readyz?.body.contains("cannot reach Docker at unix://\(socket): no such file") == true)
        #expect(try await endpoint.get("/healthz")?.status == 200)
        #expect(try await agent.terminate().status == 0)
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "localhost:http", ":9180"])
    func aBadAddressIsAUsageError(address: String) async throws {
        let agent = try AgentProcess.start(
            container: ["web"], prefix: uniquePrefix(), extra: ["--metrics-address", address])
        let status = try await agent.waitForExit()
        #expect(status == 64, "\(agent.log)")
        let lines = agent.log.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(agent.log)")
        #expect(agent.log.contains("--metrics-address '\(address)' is not HOST:PORT"), "\(agent.log)")
    }

    @Test func theHelpExplainsTheOption() async throws {
        let help = try AgentProcess(["--help"])
        #expect(try await help.waitForExit() == 0)
        #expect(help.log.contains("--metrics-address"), "\(help.log)")
        #expect(help.log.contains("/readyz"))
    }

    @Test func anAddressInUseStopsTheAgentWithOneClearLine() async throws {
        let endpoint = MetricsEndpoint(port: try freePort())
        let first = try AgentProcess.start(
            container: ["web"], prefix: uniquePrefix(), extra: ["--metrics-address", endpoint.address])
        let serving = try await eventually { try await endpoint.get("/healthz")?.status == 200 }
        #expect(serving != nil, "\(first.log)")
        let second = try AgentProcess.start(
            container: ["web"], prefix: uniquePrefix(), extra: ["--metrics-address", endpoint.address])
        let status = try await second.waitForExit()
        #expect(status != nil && status != 0, "\(second.log)")
        let errors = second.log.split(separator: "\n").filter { $0.contains(" error presence:") }
        #expect(errors.count == 1, "\(second.log)")
        #expect(
            errors.first?.contains("cannot serve metrics on \(endpoint.address): address in use") == true,
            "\(second.log)")
        #expect(first.isRunning)
        #expect(try await first.terminate().status == 0)
    }
}
