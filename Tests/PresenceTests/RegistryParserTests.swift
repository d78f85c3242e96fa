import Testing

@testable import Presence

@Suite("Reading registrations from keys")
struct RegistryParserTests {
    private func layout(_ format: RegistrationFormat.Name, prefix: String? = nil, domain: String? = nil) throws
        -> RegistryLayout
    {
        try RegistryLayout(format: format, prefix: prefix, hostname: "node1", domain: domain)
    }

    private func records(_ keys: [String: String], ttl: Int? = 42) -> [EtcdKeyValue] {
        keys.map { EtcdKeyValue(key: $0.key, value: $0.value, ttl: ttl) }
    }

    @Test func theKeysLayoutPairsHostAndPortPerPort() throws {
        let listing = RegistryParser.parse(
            records([
                "/containers/web/80/host": "10.0.0.5",
                "/containers/web/80/port": "8080",
                "/containers/web/53-udp/host": "10.0.0.5",
                "/containers/web/53-udp/port": "5353",
                "/containers/api/9-sctp/host": "127.0.0.1",
                "/containers/api/9-sctp/port": "9009",
            ]),
            layout: try layout(.keys))
        #expect(listing.problems.isEmpty)
        #expect(
            listing.entries == [
                RegisteredPort(
                    container: "api", containerPort: 9, transport: "sctp", host: "127.0.0.1", hostPort: 9009, ttl: 42,
                    keys: ["/containers/api/9-sctp/host", "/containers/api/9-sctp/port"]),
                RegisteredPort(
                    container: "web", containerPort: 53, transport: "udp", host: "10.0.0.5", hostPort: 5353, ttl: 42,
                    keys: ["/containers/web/53-udp/host", "/containers/web/53-udp/port"]),
                RegisteredPort(
                    container: "web", containerPort: 80, transport: "tcp", host: "10.0.0.5", hostPort: 8080, ttl: 42,
                    keys: ["/containers/web/80/host", "/containers/web/80/port"]),
            ])
    }

    @Test func portsSortByNumberNotText() throws {
        let listing = RegistryParser.parse(
            records([
                "/p/web/9000/host": "h", "/p/web/9000/port": "1",
                "/p/web/80/host": "h", "/p/web/80/port": "2",
            ]), layout: try layout(.keys, prefix: "/p"))
        #expect(listing.entries.map(\.containerPort) == [80, 9000])
    }

    @Test func thePrefixExpandsTheHostname() throws {
        let layout = try layout(.keys, prefix: "/hosts/{hostname}/containers")
        #expect(layout.root == "/hosts/node1/containers")
        let listing = RegistryParser.parse(
            records(["/hosts/node1/containers/web/80/host": "h", "/hosts/node1/containers/web/80/port": "80"]),
            layout: layout)
        #expect(listing.entries.map(\.container) == ["web"])
    }

    @Test func foreignAndIncompleteKeysAreProblemsNotEntries() throws {
        let listing = RegistryParser.parse(
            records([
                "/containers/web/80/host": "10.0.0.5",
                "/containers/web/81/port": "8081",
                "/containers/web/82/host": "10.0.0.5",
                "/containers/web/82/port": "eighty",
                "/containers/web/http/host": "10.0.0.5",
                "/containers/web/83/weight": "1",
                "/containers/README": "hello",
                "/containers/web/84/host/deeper": "x",
                "/containers/web/85/host": "",
                "/containers/web/85/port": "8085",
                "/containers/ok/80/host": "10.0.0.6",
                "/containers/ok/80/port": "80",
            ]), layout: try layout(.keys))
        #expect(listing.entries.map(\.container) == ["ok"])
        #expect(
            listing.problems.map(\.key) == [
                "/containers/README",
                "/containers/web/80/host",
                "/containers/web/81/port",
                "/containers/web/82/port",
                "/containers/web/83/weight",
                "/containers/web/84/host/deeper",
                "/containers/web/85/host",
                "/containers/web/http/host",
            ])
        #expect(listing.problems.first { $0.key == "/containers/web/80/host" }?.reason == "no port key beside it")
        #expect(
            listing.problems.first { $0.key == "/containers/web/82/port" }?.reason == "'eighty' is not a port number")
    }

    @Test(arguments: ["0", "65536", "-1", "+80", " 80", "080000", ""])
    func portValuesMustBeAPortNumber(value: String) throws {
        let listing = RegistryParser.parse(
            records(["/c/web/80/host": "h", "/c/web/80/port": value]), layout: try layout(.keys, prefix: "/c"))
        #expect(listing.entries.isEmpty)
        #expect(listing.problems.count == 1)
    }

    @Test(arguments: [("80", 80, "tcp"), ("53-udp", 53, "udp"), ("9-sctp", 9, "sctp"), ("80-tcp", 80, "tcp")])
    func portSegments(segment: String, port: Int, transport: String) {
        #expect(ExposedPort(segment: segment) == ExposedPort(containerPort: port, transport: transport))
    }

    @Test(arguments: ["http", "0", "70000", "53-", "53-UDP", "-udp", "53-u-p"])
    func segmentsThatAreNotPorts(segment: String) {
        #expect(ExposedPort(segment: segment) == nil)
    }

    @Test func theJSONLayoutReadsOneObjectPerPort() throws {
        let listing = RegistryParser.parse(
            records(
                [
                    "/containers/web/80":
                        #"{"host":"10.0.0.5","port":8080,"protocol":"tcp","container":"web","id":"abc123"}"#,
                    "/containers/web/53-udp": #"{"host":"10.0.0.5","port":5353,"protocol":"udp"}"#,
                    "/containers/web/81": "not json",
                    "/containers/web/82": #"{"host":"10.0.0.5"}"#,
                    "/containers/web/83": #"{"host":"","port":80}"#,
                    "/containers/web/84/host": "10.0.0.5",
                ], ttl: nil), layout: try layout(.json))
        #expect(
            listing.entries == [
                RegisteredPort(
                    container: "web", containerPort: 53, transport: "udp", host: "10.0.0.5", hostPort: 5353,
                    keys: ["/containers/web/53-udp"]),
                RegisteredPort(
                    container: "web", containerPort: 80, transport: "tcp", host: "10.0.0.5", hostPort: 8080,
                    containerID: "abc123", keys: ["/containers/web/80"]),
            ])
        #expect(
            listing.problems.map(\.key) == [
                "/containers/web/81", "/containers/web/82", "/containers/web/83", "/containers/web/84/host",
            ])
    }

    @Test func theSkyDNSLayoutReadsTheDomainsPath() throws {
        let layout = try layout(.skydns, domain: "svc.example.org")
        #expect(layout.root == "/skydns/org/example/svc")
        let listing = RegistryParser.parse(
            records([
                "/skydns/org/example/svc/web-1/80": #"{"host":"10.0.0.5","port":8080}"#,
                "/skydns/org/example/svc/web-1/53-udp": #"{"host":"10.0.0.5","port":5353,"ttl":30}"#,
                "/skydns/org/example/svc/mail": #"{"host":"10.0.0.9"}"#,
            ]), layout: layout)
        #expect(
            listing.entries.map { "\($0.container) \($0.portLabel) \($0.hostPort)" } == [
                "web-1 53/udp 5353", "web-1 80/tcp 8080",
            ])
        #expect(listing.problems.map(\.key) == ["/skydns/org/example/svc/mail"])
    }

    @Test(arguments: [
        ("svc.example.org", "/skydns/org/example/svc"), ("Example.ORG.", "/skydns/org/example"),
        ("{hostname}.example.org", "/skydns/org/example/node1"),
    ])
    func theSkyDNSRootIsTheAgentsDomainDirectory(domain: String, root: String) throws {
        #expect(try layout(.skydns, domain: domain).root == root)
    }

    @Test(arguments: ["", ".", "a..b", "a/b", "sp ace.org"])
    func badDomainsAreRefused(domain: String) {
        #expect(throws: ConfigurationError.self) { try layout(.skydns, domain: domain) }
    }

    @Test func optionsThatDoNotFitTheFormatAreRefused() {
        #expect(throws: ConfigurationError.self) { try layout(.skydns) }
        #expect(throws: ConfigurationError.self) { try layout(.skydns, prefix: "/x", domain: "a.org") }
        #expect(throws: ConfigurationError.self) { try layout(.keys, domain: "a.org") }
        #expect(throws: ConfigurationError.self) { try layout(.json, prefix: "relative") }
        #expect(throws: ConfigurationError.self) { try layout(.keys, prefix: "/{nope}") }
    }

    @Test func aDeletedDirectoryTakesItsKeys() {
        var records = [
            "/c/web/80/host": EtcdKeyValue(key: "/c/web/80/host", value: "h"),
            "/c/web/80/port": EtcdKeyValue(key: "/c/web/80/port", value: "1"),
            "/c/webber/80/host": EtcdKeyValue(key: "/c/webber/80/host", value: "h"),
        ]
        EtcdKeyChange.delete("/c/web").apply(to: &records)
        #expect(records.keys.sorted() == ["/c/webber/80/host"])
    }
}
