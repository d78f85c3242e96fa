import Testing

@testable import Presence

@Suite("Options are validated before anything runs")
struct ConfigurationTests {
    @Test(arguments: [
        ("http://127.0.0.1:2379", "http://127.0.0.1:2379"),
        ("https://etcd.example:4001/", "https://etcd.example:4001"),
        ("http://localhost", "http://localhost:2379"),
        ("http://[::1]:2379", "http://[::1]:2379"),
    ])
    func endpoints(text: String, expected: String) throws {
        #expect(try EtcdEndpoint(text).baseURL == expected)
    }

    @Test(arguments: [
        "127.0.0.1:2379", "ftp://h:1", "http://", "http://h:99999", "http://h:2379/v2", "http://u@h", "not a url",
        "http://h:port",
    ])
    func badEndpointsAreRefused(text: String) {
        #expect(throws: ConfigurationError.self) { try EtcdEndpoint(text) }
    }

    @Test func endpointListsAreCommaSeparated() throws {
        let list = try EtcdEndpoint.list("http://127.0.0.1:2379, http://127.0.0.1:22379")
        #expect(list.map(\.port) == [2379, 22379])
        #expect(throws: ConfigurationError.self) { try EtcdEndpoint.list(" , ") }
    }

    @Test func dockerHosts() throws {
        #expect(try DockerHost("unix:///var/run/docker.sock") == .unix(path: "/var/run/docker.sock"))
        #expect(try DockerHost("tcp://127.0.0.1:2375") == .tcp(host: "127.0.0.1", port: 2375))
        #expect(try DockerHost("tcp://localhost") == .tcp(host: "localhost", port: 2375))
        for bad in ["unix://relative.sock", "npipe:////./pipe/docker_engine", "/var/run/docker.sock", "tcp://"] {
            #expect(throws: ConfigurationError.self) { try DockerHost(bad) }
        }
    }

    @Test func defaultsMatchTheOriginal() throws {
        let configuration = try AgentConfiguration(selection: web)
        #expect(configuration.layout.prefix == "/containers")
        #expect(configuration.ttl == 60)
        // A third of the TTL, as etcd's own client renews: two failed renewals still fit in one TTL.
        #expect(configuration.interval == .seconds(20))
        #expect(try AgentConfiguration(selection: web, ttl: 9).interval == .seconds(3))
        #expect(configuration.etcdAPI == .v3)
        #expect(configuration.dockerHost == .unix(path: "/var/run/docker.sock"))
        #expect(configuration.resync == .seconds(300))
        #expect(!configuration.ignoreHealth)
    }

    @Test func resyncMayNotBeBelowTheInterval() {
        #expect(throws: ConfigurationError.self) {
            try AgentConfiguration(selection: web, interval: .seconds(30), resync: .seconds(10))
        }
    }

    @Test func ttlAndIntervalRules() {
        #expect(throws: ConfigurationError.self) { try AgentConfiguration(selection: web, ttl: 1) }
        #expect(throws: ConfigurationError.self) {
            try AgentConfiguration(selection: web, ttl: 10, interval: .seconds(10))
        }
        #expect(throws: Never.self) { try AgentConfiguration(selection: web, ttl: 2, interval: .milliseconds(500)) }
    }

    @Test func aSelectionIsRequiredAndNamesMustBeOneSegment() {
        #expect(throws: ConfigurationError.self) { try ContainerSelection() }
        #expect(throws: ConfigurationError.self) { try ContainerSelection(names: ["a/b"]) }
        #expect(throws: ConfigurationError.self) { try ContainerSelection(names: [".."]) }
    }

    var web: ContainerSelection { try! ContainerSelection(names: ["web"]) }
}
