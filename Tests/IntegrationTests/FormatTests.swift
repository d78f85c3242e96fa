import Foundation
import Presence
import PresenceTestSupport
import Testing

/// `--format json` and `--format skydns` against the real servers, several at once, through both etcd APIs.
@Suite("Formats against real servers", .timeLimit(.minutes(3)))
struct FormatTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    /// A zone no other test uses, and the directory under /skydns its records go to.
    static func uniqueZone() -> (domain: String, directory: String) {
        let label = "z" + UUID().uuidString.prefix(8).lowercased()
        return ("\(label).presence.test", "/skydns/test/presence/\(label)")
    }

    @Test(arguments: EtcdAPIVersion.allCases)
    func jsonAndSkyDNSTogether(api: EtcdAPIVersion) async throws {
        let name = uniqueName("Fmt")
        let prefix = uniquePrefix()
        let zone = Self.uniqueZone()
        let id = try await docker.start(name, ports: ["80", "127.0.0.1::53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, api: api, ttl: 5, interval: 1,
            extra: ["--format", "json", "--format", "skydns", "--domain", zone.domain, "--host-ip", "198.51.100.7"])
        let tcpPort = try #require(Int(try await docker.hostPort(name, "80/tcp")))
        let udpPort = try #require(Int(try await docker.hostPort(name, "53/udp")))
        let label = name.lowercased()
        let expectedJSON: [String: RecordJSON] = [
            "\(prefix)/\(name)/80": .init(
                host: "198.51.100.7", port: tcpPort, protocol: "tcp", container: name, id: id),
            "\(prefix)/\(name)/53-udp": .init(
                host: "127.0.0.1", port: udpPort, protocol: "udp", container: name, id: id),
        ]
        let expectedDNS: [String: SkyDNSJSON] = [
            "\(zone.directory)/\(label)/80": .init(host: "198.51.100.7", port: tcpPort),
            "\(zone.directory)/\(label)/53-udp": .init(host: "127.0.0.1", port: udpPort),
        ]
        let registered = try await eventually {
            let json = try await decoded(api, under: prefix, as: RecordJSON.self)
            let dns = try await decoded(api, under: zone.directory, as: SkyDNSJSON.self)
            return json == expectedJSON && dns == expectedDNS
        }
        let heldJSON = try await etcd.keys(api, under: prefix)
        let heldDNS = try await etcd.keys(api, under: zone.directory)
        #expect(registered != nil, "json: \(heldJSON), skydns: \(heldDNS); log: \(agent.log)")
        // Both formats go together when the container stops.
        _ = try await docker.run("stop", "-t", "1", name)
        let gone = try await eventually {
            let json = try await etcd.keys(api, under: prefix)
            let dns = try await etcd.keys(api, under: zone.directory)
            return json.isEmpty && dns.isEmpty
        }
        #expect(gone != nil, "log: \(agent.log)")
        _ = try await docker.run("start", name)
        try await eventually { try await etcd.keys(api, under: zone.directory).count == 2 }
        let (status, _) = try await agent.terminate()
        #expect(status == 0)
        #expect(try await etcd.keys(api, under: prefix).isEmpty)
        #expect(try await etcd.keys(api, under: zone.directory).isEmpty)
    }

    /// The original keys and the CoreDNS records side by side: what a migration to CoreDNS runs.
    @Test func keysAndSkyDNSTogetherInV2KeepTheirTTLDirectories() async throws {
        let name = uniqueName("fmt2")
        let prefix = uniquePrefix()
        let zone = Self.uniqueZone()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, api: .v2, ttl: 5, interval: 1,
            extra: ["--format", "keys", "--format", "skydns", "--domain", zone.domain])
        try await eventually {
            let keys = try await etcd.keys(.v2, under: prefix)
            let records = try await etcd.keys(.v2, under: zone.directory)
            return keys.count == 2 && records.count == 1
        }
        // etcd 3.5 renews no directory's TTL: there the keys inside carry it.
        let renews = try await etcd.renewsDirectoryTTL()
        for directory in ["\(prefix)/\(name)", "\(zone.directory)/\(name)"] {
            let found = try await etcd.v2Node(directory)
            let node = try #require(found, "\(directory); log: \(agent.log)")
            if renews {
                let ttl = try #require(node["ttl"] as? Int, "\(directory) has no TTL")
                #expect(ttl > 0 && ttl <= 5)
            }
        }
        let keys =
            Array(try await etcd.keys(.v2, under: prefix).keys)
            + Array(try await etcd.keys(.v2, under: zone.directory).keys)
        for key in keys {
            let ttl = try #require(try await etcd.v2Node(key)?["ttl"] as? Int, "\(key) has no TTL")
            #expect(ttl > 0 && ttl <= 5)
        }
        // Someone deletes the records: the agent writes them again at its next check.
        try await shell([
            "curl", "-fsS", "-X", "DELETE",
            "\(try TestEnvironment.etcd())/v2/keys\(zone.directory)/\(name)?recursive=true",
        ])
        let back = try await eventually(timeout: .seconds(20)) {
            try await etcd.keys(.v2, under: zone.directory).count == 1
        }
        #expect(back != nil, "log: \(agent.log)")
        let (status, _) = try await agent.terminate()
        #expect(status == 0)
        #expect(try await etcd.keys(.v2, under: prefix).isEmpty)
        #expect(try await etcd.keys(.v2, under: zone.directory).isEmpty)
    }

    @Test(arguments: [
        (["--format", "skydns"], "--domain"),
        (["--format", "keys", "--format", "json"], "--prefix"),
        (["--domain", "example.org"], "--format skydns"),
        (["--format", "skydns", "--domain", "bad domain"], "DNS name"),
        (["--format", "xml"], "--format"),
    ])
    func badFormatOptionsAreUsageErrors(arguments: [String], mentions: String) async throws {
        let agent = try AgentProcess(
            [
                "--container", "x", "--etcd-endpoints", try TestEnvironment.etcd(), "--docker-host",
                try TestEnvironment.dockerHost(),
            ] + arguments)
        let status = try await agent.waitForExit()
        #expect(status == 64, "\(agent.log)")
        let lines = agent.log.split(separator: "\n")
        #expect(lines.count == 1, "\(agent.log)")
        #expect(agent.log.contains(mentions), "\(agent.log)")
    }

    private func decoded<T: Decodable>(_ api: EtcdAPIVersion, under prefix: String, as type: T.Type) async throws
        -> [String: T]
    {
        try await etcd.keys(api, under: prefix).mapValues { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }
}

/// The `json` format's value, as a consumer decodes it.
struct RecordJSON: Decodable, Equatable {
    var host: String
    var port: Int
    var `protocol`: String
    var container: String
    var id: String
}

/// The `skydns` format's value, as CoreDNS decodes it.
struct SkyDNSJSON: Decodable, Equatable {
    var host: String
    var port: Int
}
