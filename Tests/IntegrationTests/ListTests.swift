import Foundation
import Presence
import PresenceTestSupport
import Testing

/// `presence list` against the real etcd: what the real agent registered, the json and skydns layouts written by
/// hand, foreign keys, and `--watch` following changes, through both etcd APIs.
@Suite("presence list against real servers", .timeLimit(.minutes(3)))
struct ListTests {
    let docker: DockerCLI
    let etcd: EtcdReader
    let endpoint: String

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
        endpoint = try TestEnvironment.etcd()
    }

    @Test(arguments: EtcdAPIVersion.allCases)
    func listsWhatTheAgentRegistered(api: EtcdAPIVersion) async throws {
        let name = uniqueName("list")
        let prefix = uniquePrefix()
        let ttl = 10
        try await docker.start(name, ports: ["80", "127.0.0.1::9000", "53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: api, ttl: ttl, interval: 2)
        let registered = try await eventually { try await etcd.keys(api, under: prefix).count == 6 }
        #expect(registered != nil, "\(agent.log)")
        let host = try await docker.expectedHostIP()
        let expected = [
            [name, "53/udp", host, try await docker.hostPort(name, "53/udp")],
            [name, "80/tcp", host, try await docker.hostPort(name, "80/tcp")],
            [name, "9000/tcp", "127.0.0.1", try await docker.hostPort(name, "9000/tcp")],
        ]
        let arguments = ["--prefix", prefix, "--etcd-endpoints", endpoint, "--etcd-api", api.rawValue]

        let table = try await ListRun.run(arguments)
        #expect(table.status == 0, "\(table.errors)")
        #expect(table.errors.isEmpty)
        #expect(table.output.hasPrefix("CONTAINER"), "\(table.output)")
        #expect(table.rows.map { Array($0.prefix(4)) } == expected, "\(table.output)")
        for row in table.rows {
            let left = Int(row.last ?? "") ?? 0
            #expect(left > 0 && left <= ttl, "\(table.output)")
        }

        let json = try await ListRun.run(arguments + ["--output", "json"])
        #expect(json.status == 0, "\(json.errors)")
        let objects = try json.objects
        #expect(
            objects.map {
                [
                    $0["container"] as? String ?? "", "\($0["port"] as? Int ?? 0)/\($0["protocol"] as? String ?? "")",
                    $0["host"] as? String ?? "", String($0["hostPort"] as? Int ?? 0),
                ]
            } == expected, "\(json.output)")
        for object in objects {
            let left = object["ttl"] as? Int ?? 0
            #expect(left > 0 && left <= ttl, "\(json.output)")
            #expect((object["keys"] as? [String])?.allSatisfy { $0.hasPrefix("\(prefix)/\(name)/") } == true)
        }

        #expect(try await agent.terminate().status == 0)
        let empty = try await ListRun.run(arguments)
        #expect(empty.status == 0)
        #expect(empty.output == "CONTAINER  PORT  HOST  HOST PORT  TTL\n")
        #expect(empty.errors == "presence: nothing registered under \(prefix)\n")
    }

    /// The agent writing `--format json` and `--format skydns` at once; `list` reads each layout.
    @Test(arguments: EtcdAPIVersion.allCases)
    func listsWhatTheAgentWroteAsJSONAndSkyDNS(api: EtcdAPIVersion) async throws {
        let name = uniqueName("ListFmt")
        let prefix = uniquePrefix()
        let zone = FormatTests.uniqueZone()
        let ttl = 10
        let id = try await docker.start(name, ports: ["80", "127.0.0.1::53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, api: api, ttl: ttl, interval: 2,
            extra: ["--format", "json", "--format", "skydns", "--domain", zone.domain, "--host-ip", "198.51.100.7"])
        let registered = try await eventually {
            let json = try await etcd.keys(api, under: prefix)
            let dns = try await etcd.keys(api, under: zone.directory)
            return json.count == 2 && dns.count == 2
        }
        #expect(registered != nil, "\(agent.log)")
        let tcpPort = try await docker.hostPort(name, "80/tcp")
        let udpPort = try await docker.hostPort(name, "53/udp")
        let common = ["--etcd-endpoints", endpoint, "--etcd-api", api.rawValue]

        let json = try await ListRun.run(common + ["--prefix", prefix, "--format", "json", "--output", "json"])
        #expect(json.status == 0, "\(json.errors)")
        let objects = try json.objects
        #expect(
            objects.map {
                "\($0["container"] ?? "") \($0["port"] ?? "")/\($0["protocol"] ?? "") \($0["hostPort"] ?? "")"
            }
                == ["\(name) 53/udp \(udpPort)", "\(name) 80/tcp \(tcpPort)"], "\(json.output)")
        #expect(objects.map { $0["host"] as? String } == ["127.0.0.1", "198.51.100.7"])
        #expect(objects.allSatisfy { $0["id"] as? String == id }, "\(json.output)")
        #expect(objects.allSatisfy { (1...ttl).contains($0["ttl"] as? Int ?? 0) }, "\(json.output)")

        let dns = try await ListRun.run(common + ["--format", "skydns", "--domain", zone.domain])
        #expect(dns.status == 0, "\(dns.errors)")
        #expect(
            dns.rows.map { Array($0.prefix(4)) } == [
                [name.lowercased(), "53/udp", "127.0.0.1", udpPort],
                [name.lowercased(), "80/tcp", "198.51.100.7", tcpPort],
            ], "\(dns.output)")
        #expect(dns.rows.allSatisfy { (1...ttl).contains(Int($0.last ?? "") ?? 0) }, "\(dns.output)")
        #expect(try await agent.terminate().status == 0)
    }

    @Test(arguments: EtcdAPIVersion.allCases)
    func readsTheJSONLayout(api: EtcdAPIVersion) async throws {
        let prefix = uniquePrefix()
        let value = { (port: Int, hostPort: Int, transport: String) in
            #"{"host":"10.0.0.5","port":\#(hostPort),"protocol":"\#(transport)","container":"web","id":"0123abcd"}"#
        }
        try await HandWriter(endpoint: endpoint, api: api).register(
            directory: "\(prefix)/web", ttl: 30,
            keys: ["\(prefix)/web/80": value(80, 8080, "tcp"), "\(prefix)/web/53-udp": value(53, 5353, "udp")])
        let arguments = [
            "--prefix", prefix, "--format", "json", "--etcd-endpoints", endpoint, "--etcd-api", api.rawValue,
        ]
        let table = try await ListRun.run(arguments)
        #expect(table.status == 0, "\(table.errors)")
        #expect(
            table.rows.map { Array($0.prefix(4)) } == [
                ["web", "53/udp", "10.0.0.5", "5353"], ["web", "80/tcp", "10.0.0.5", "8080"],
            ], "\(table.output)")
        #expect(table.rows.allSatisfy { (1...30).contains(Int($0.last ?? "") ?? 0) }, "\(table.output)")
        let objects = try await ListRun.run(arguments + ["--output", "json"]).objects
        #expect(objects.map { $0["id"] as? String } == ["0123abcd", "0123abcd"])
        #expect(objects.map { $0["keys"] as? [String] } == [["\(prefix)/web/53-udp"], ["\(prefix)/web/80"]])
    }

    @Test(arguments: EtcdAPIVersion.allCases)
    func readsTheSkyDNSLayout(api: EtcdAPIVersion) async throws {
        let zone = UUID().uuidString.prefix(8).lowercased()
        let domain = "svc.\(zone).test"
        let directory = "/skydns/test/\(zone)/svc/web-1"
        try await HandWriter(endpoint: endpoint, api: api).register(
            directory: directory, ttl: 30,
            keys: ["\(directory)/80": #"{"host":"10.0.0.5","port":8080}"#])
        let run = try await ListRun.run([
            "--format", "skydns", "--domain", domain, "--etcd-endpoints", endpoint, "--etcd-api", api.rawValue,
        ])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.rows.map { Array($0.prefix(4)) } == [["web-1", "80/tcp", "10.0.0.5", "8080"]], "\(run.output)")
        #expect((1...30).contains(Int(run.rows.first?.last ?? "") ?? 0), "\(run.output)")
    }

    @Test func foreignKeysAreNamedOnStandardErrorAndSkipped() async throws {
        let prefix = uniquePrefix()
        for (key, value) in [
            "\(prefix)/ok/80/host": "10.0.0.6", "\(prefix)/ok/80/port": "8000",
            "\(prefix)/half/80/host": "10.0.0.7", "\(prefix)/bad/80/host": "10.0.0.8",
            "\(prefix)/bad/80/port": "not-a-port", "\(prefix)/README": "hello",
        ] {
            try await etcd.put(key, value)
        }
        let arguments = ["--prefix", prefix, "--etcd-endpoints", endpoint]
        let table = try await ListRun.run(arguments)
        #expect(table.status == 0, "\(table.errors)")
        #expect(table.rows == [["ok", "80/tcp", "10.0.0.6", "8000", "-"]], "\(table.output)")
        for key in ["\(prefix)/half/80/host", "\(prefix)/bad/80/port", "\(prefix)/README"] {
            #expect(table.errors.contains("skipped \(key): "), "\(table.errors)")
        }
        let json = try await ListRun.run(arguments + ["--output", "json"])
        #expect(try json.objects.map { $0["container"] as? String } == ["ok"], "\(json.output)")
        #expect(try json.objects.first?["ttl"] is NSNull)
        try await HandWriter(endpoint: endpoint, api: .v3).remove(directory: prefix)
    }

    @Test func watchFollowsTheAgent() async throws {
        let name = uniqueName("watch")
        let prefix = uniquePrefix()
        let watch = try AgentProcess(["list", "--watch", "--prefix", prefix, "--etcd-endpoints", endpoint])
        defer { watch.signal(SIGKILL) }
        #expect(
            try await eventually { watch.log.contains("nothing registered under \(prefix)") } != nil, "\(watch.log)")
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, ttl: 10, interval: 2)
        let added = "+ \(name) 80/tcp \(try await docker.expectedHostIP()) \(try await docker.hostPort(name, "80/tcp"))"
        #expect(try await eventually { watch.log.contains(added) } != nil, "\(watch.log)\n\(agent.log)")
        try await docker.run("stop", "-t", "0", name)
        #expect(try await eventually { watch.log.contains("- \(name) 80/tcp") } != nil, "\(watch.log)")
        #expect(try await agent.terminate().status == 0)
        #expect(try await watch.terminate().status == 0, "\(watch.log)")
    }

    @Test func watchFollowsV2InJSON() async throws {
        let prefix = uniquePrefix()
        let writer = HandWriter(endpoint: endpoint, api: .v2)
        let watch = try AgentProcess([
            "list", "--watch", "--etcd-api", "v2", "--output", "json", "--prefix", prefix, "--etcd-endpoints", endpoint,
        ])
        defer { watch.signal(SIGKILL) }
        #expect(
            try await eventually { watch.log.contains("nothing registered under \(prefix)") } != nil, "\(watch.log)")
        try await writer.register(
            directory: "\(prefix)/web", ttl: 30,
            keys: ["\(prefix)/web/80/host": "10.0.0.5", "\(prefix)/web/80/port": "8080"])
        let events = {
            watch.log.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        let added = try await eventually {
            events().contains {
                $0["event"] as? String == "added" && $0["container"] as? String == "web" && $0["port"] as? Int == 80
                    && $0["host"] as? String == "10.0.0.5" && $0["hostPort"] as? Int == 8080
            }
        }
        #expect(added != nil, "\(watch.log)")
        try await writer.remove(directory: "\(prefix)/web")
        let removed = try await eventually {
            events().contains { $0["event"] as? String == "removed" && $0["container"] as? String == "web" }
        }
        #expect(removed != nil, "\(watch.log)")
        #expect(try await watch.terminate().status == 0, "\(watch.log)")
    }

    @Test(arguments: EtcdAPIVersion.allCases)
    func watchRidesOutAnEtcdRestart(api: EtcdAPIVersion) async throws {
        let server = try EtcdServer()
        try await server.start()
        let prefix = uniquePrefix()
        let writer = HandWriter(endpoint: server.endpoint, api: api)
        let watch = try AgentProcess([
            "list", "--watch", "--etcd-api", api.rawValue, "--prefix", prefix, "--etcd-endpoints", server.endpoint,
        ])
        defer { watch.signal(SIGKILL) }
        #expect(try await eventually { watch.log.contains("nothing registered") } != nil, "\(watch.log)")
        try await writer.put("\(prefix)/a/80/host", "10.0.0.1")
        try await writer.put("\(prefix)/a/80/port", "8001")
        #expect(try await eventually { watch.log.contains("+ a 80/tcp 10.0.0.1 8001") } != nil, "\(watch.log)")
        server.stop()
        #expect(try await eventually { watch.log.contains("cannot reach etcd") } != nil, "\(watch.log)")
        #expect(watch.isRunning)
        try await server.start()
        #expect(try await eventually(timeout: .seconds(30)) { watch.log.contains("etcd answers again") } != nil)
        try await writer.put("\(prefix)/b/53-udp/host", "10.0.0.2")
        try await writer.put("\(prefix)/b/53-udp/port", "5353")
        #expect(try await eventually { watch.log.contains("+ b 53/udp 10.0.0.2 5353") } != nil, "\(watch.log)")
        #expect(try await watch.terminate().status == 0, "\(watch.log)")
        server.stop()
    }

    /// Through TLS trusting etcd's CA, as an etcd user: the listing and the watch stream both carry the user's
    /// token. (etcd's gateway refuses requests that carry both a client certificate and a token.)
    @Test func readsASecuredEtcdAsAUser() async throws {
        let certificates = try TestCertificates()
        let server = try EtcdServer(tls: .init(certificates: certificates, server: certificates.server))
        try await server.start()
        defer { server.stop() }
        let prefix = uniquePrefix()
        let password = "pw-\(UUID().uuidString.prefix(12))"
        var etcdctl = EtcdCtl(server)
        try etcdctl.enableAuthentication(rootPassword: "root-\(password)")
        try etcdctl.addUser("lister", password: password, readWriteUnder: prefix + "/")
        try etcdctl.put("\(prefix)/web/80/host", "10.0.0.5")
        try etcdctl.put("\(prefix)/web/80/port", "8080")
        let arguments = [
            "--prefix", prefix, "--etcd-endpoints", server.endpoint, "--etcd-cacert", certificates.caCertificate,
        ]
        let environment = ["ETCD_USERNAME": "lister", "ETCD_PASSWORD": password]
        let run = try await ListRun.run(arguments, environment: environment)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.rows == [["web", "80/tcp", "10.0.0.5", "8080", "-"]], "\(run.output)")
        let refused = try await ListRun.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.errors.contains("requires authentication"), "\(refused.errors)")

        let watch = try AgentProcess(["list", "--watch"] + arguments, environment: environment)
        defer { watch.signal(SIGKILL) }
        #expect(try await eventually { watch.log.contains("CONTAINER") } != nil, "\(watch.log)")
        try etcdctl.put("\(prefix)/api/443/host", "10.0.0.6")
        try etcdctl.put("\(prefix)/api/443/port", "8443")
        #expect(try await eventually { watch.log.contains("+ api 443/tcp 10.0.0.6 8443") } != nil, "\(watch.log)")
        #expect(try await watch.terminate().status == 0, "\(watch.log)")
        #expect(!watch.log.contains(password))
    }

    /// etcd with `--client-cert-auth`; the files come from etcdctl's environment variables, as for the agent.
    @Test func readsWithAClientCertificateFromTheEnvironment() async throws {
        let certificates = try TestCertificates()
        let server = try EtcdServer(
            tls: .init(certificates: certificates, server: certificates.server, clientCertificateAuth: true))
        try await server.start()
        defer { server.stop() }
        let prefix = uniquePrefix()
        try EtcdCtl(server).put("\(prefix)/web/80/host", "10.0.0.5")
        try EtcdCtl(server).put("\(prefix)/web/80/port", "8080")
        let run = try await ListRun.run(
            ["--prefix", prefix, "--etcd-endpoints", server.endpoint],
            environment: [
                "ETCDCTL_CACERT": certificates.caCertificate, "ETCDCTL_CERT": certificates.client.certificate,
                "ETCDCTL_KEY": certificates.client.key,
            ])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.rows == [["web", "80/tcp", "10.0.0.5", "8080", "-"]], "\(run.output)")
    }

    @Test func unreachableEtcdIsOneLineAndExit1() async throws {
        let run = try await ListRun.run(["--etcd-endpoints", "http://127.0.0.1:\(try freePort())"])
        #expect(run.status == 1)
        #expect(run.output.isEmpty)
        #expect(run.errors.split(separator: "\n").count == 1, "\(run.errors)")
        #expect(run.errors.hasPrefix("presence: cannot reach etcd at "), "\(run.errors)")
    }

    static let badOptions: [(arguments: [String], message: String)] = [
        (["--format", "skydns"], "needs --domain"),
        (["--format", "dns"], "dns"),
        (["--output", "yaml"], "yaml"),
        (["--prefix", "relative"], "absolute path"),
        (["--prefix", "/a", "--format", "skydns", "--domain", "a.org"], "--prefix does not apply"),
        (["--domain", "a.org"], "only for --format skydns"),
        (["--format", "skydns", "--domain", "a..b.org"], "is not a DNS name"),
        (["--etcd-api", "v4"], "v4"),
        (["--etcd-endpoints", "localhost:2379"], "is not a URL"),
        (["stray"], "unexpected argument 'stray'"),
        (["--bogus"], "unexpected argument '--bogus'"),
    ]

    @Test(arguments: badOptions)
    func badOptionsAreAUsageError(arguments: [String], message: String) async throws {
        let run = try await ListRun.run(arguments)
        #expect(run.status == 64, "\(run.errors)")
        #expect(run.errors.split(separator: "\n").count == 1, "\(run.errors)")
        #expect(run.errors.contains(message), "\(run.errors)")
    }

    @Test func theEnvironmentSuppliesTheEndpoints() async throws {
        let prefix = uniquePrefix()
        try await etcd.put("\(prefix)/env/80/host", "10.0.0.9")
        try await etcd.put("\(prefix)/env/80/port", "9999")
        let run = try await ListRun.run(["--prefix", prefix], environment: ["ETCD_ENDPOINTS": endpoint])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.rows == [["env", "80/tcp", "10.0.0.9", "9999", "-"]])
        try await HandWriter(endpoint: endpoint, api: .v3).remove(directory: prefix)
    }

    @Test func helpNamesTheOptions() async throws {
        let run = try await ListRun.run(["--help"])
        #expect(run.status == 0)
        for option in [
            "--etcd-endpoints", "ETCD_ENDPOINTS", "--etcd-api", "--etcd-cacert", "--etcd-user", "--prefix", "--format",
            "--domain", "--output", "--watch",
        ] {
            #expect(run.output.contains(option), "\(option)")
        }
    }
}

/// Writes registrations the way a writer other than this build of the agent would, through etcdctl (v3, on a
/// lease) or curl (v2, in a TTL directory): independent of the code under test.
private struct HandWriter {
    let endpoint: String
    let api: EtcdAPIVersion

    /// Puts `keys` on a fresh lease of `ttl` seconds (v3), or into `directory` created with that TTL (v2).
    func register(directory: String, ttl: Int, keys: [String: String]) async throws {
        if api == .v3 {
            let granted = try await etcdctl(["lease", "grant", String(ttl)])
            let lease = try #require(granted.split(separator: " ").dropFirst().first.map(String.init), "\(granted)")
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
                try await etcdctl(["put", "--lease=\(lease)", key, value])
            }
        } else {
            try await curl(["-X", "PUT", endpoint + "/v2/keys" + directory + "?dir=true&ttl=\(ttl)"])
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
                try await curl(["-X", "PUT", endpoint + "/v2/keys" + key, "--data-urlencode", "value=\(value)"])
            }
        }
    }

    /// Puts one key without a lease or TTL.
    func put(_ key: String, _ value: String) async throws {
        if api == .v3 {
            try await etcdctl(["put", key, value])
        } else {
            try await curl(["-X", "PUT", endpoint + "/v2/keys" + key, "--data-urlencode", "value=\(value)"])
        }
    }

    func remove(directory: String) async throws {
        if api == .v3 {
            try await etcdctl(["del", "--prefix", directory + "/"])
        } else {
            try await curl(["-X", "DELETE", endpoint + "/v2/keys" + directory + "?recursive=true&dir=true"])
        }
    }

    @discardableResult
    private func etcdctl(_ arguments: [String]) async throws -> String {
        try await shell(
            ["etcdctl", "--endpoints", endpoint, "--dial-timeout", "5s"] + arguments, environment: ["ETCDCTL_API": "3"])
    }

    private func curl(_ arguments: [String]) async throws {
        try await shell(["curl", "-sSf", "-o", "/dev/null"] + arguments)
    }
}
