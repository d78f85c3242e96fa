import Testing

@testable import Presence

@Suite("Formats: keys, json and skydns")
struct RegistrationFormatTests {
    static let zone = try! SkyDNSDomain(template: "containers.example.org", hostname: "h1")
    static let ports = PublishedPort.from(PublishedPortTests.webBindings, defaultHost: "172.17.0.1")

    @Test func jsonHoldsOnePortPerKey() throws {
        let layout = try KeyLayout(template: "/containers", hostname: "h1", formats: [.json])
        let keys = layout.keys(container: "web", id: "abc123", ports: Self.ports)
        #expect(keys.count == 3)
        #expect(
            keys["/containers/web/80"]
                == #"{"container":"web","host":"172.17.0.1","id":"abc123","port":8080,"protocol":"tcp"}"#)
        let udp = try JSONDecoder().decode(
            JSONFormatRecord.self, from: Data(try #require(keys["/containers/web/53-udp"]).utf8))
        #expect(
            udp == JSONFormatRecord(host: "172.17.0.1", port: 5353, protocol: "udp", container: "web", id: "abc123"))
    }

    @Test func skydnsWritesCoreDNSRecordsUnderTheReversedZone() throws {
        let layout = try KeyLayout(template: "/containers", hostname: "h1", formats: [.skydns(Self.zone)])
        let keys = layout.keys(container: "web", id: "abc123", ports: Self.ports)
        #expect(
            keys == [
                "/skydns/org/example/containers/web/80": #"{"host":"172.17.0.1","port":8080}"#,
                "/skydns/org/example/containers/web/9000": #"{"host":"127.0.0.1","port":9090}"#,
                "/skydns/org/example/containers/web/53-udp": #"{"host":"172.17.0.1","port":5353}"#,
            ])
        #expect(layout.directories(of: "web") == ["/skydns/org/example/containers/web"])
    }

    /// CoreDNS answers AAAA for a record whose host is an IPv6 address: every format carries it as it is.
    @Test func ipv6AddressesAreWrittenAsTheyAre() throws {
        let port = [PublishedPort(containerPort: 80, transport: "tcp", host: "2001:db8::7", hostPort: 8080)]
        let layout = try KeyLayout(
            template: "/containers", hostname: "h1", formats: [.keys, .json, .skydns(Self.zone)])
        let keys = layout.keys(container: "web", id: "abc123", ports: port)
        #expect(keys["/containers/web/80/host"] == "2001:db8::7")
        #expect(keys["/skydns/org/example/containers/web/80"] == #"{"host":"2001:db8::7","port":8080}"#)
        #expect(keys.values.filter { $0.contains(#""host":"2001:db8::7""#) }.count == 2, "json and skydns")
    }

    @Test func severalFormatsAtOnceEachHaveADirectory() throws {
        let layout = try KeyLayout(template: "/containers", hostname: "h1", formats: [.keys, .skydns(Self.zone)])
        let keys = layout.keys(container: "Web.1", id: "abc123", ports: Self.ports)
        #expect(keys.count == 6 + 3)
        #expect(layout.directories(of: "Web.1") == ["/containers/Web.1", "/skydns/org/example/containers/web-1"])
        #expect(layout.roots == ["/containers", "/skydns/org/example/containers"])
        #expect(
            layout.directory(containing: "/skydns/org/example/containers/web-1/80")
                == "/skydns/org/example/containers/web-1")
        #expect(layout.directory(containing: "/containers/Web.1/80/host") == "/containers/Web.1")
        #expect(layout.directory(containing: "/elsewhere/x") == nil)
    }

    @Test(arguments: [
        ("web", "web"), ("Web_1", "web_1"), ("api.v1", "api-v1"), ("a b/c", "a-b-c"), ("café", "caf-"),
    ])
    func containerNamesBecomeOneDNSLabel(name: String, label: String) {
        #expect(SkyDNSDomain.label(for: name) == label)
    }

    @Test func theDomainMayNameThisHost() throws {
        let domain = try SkyDNSDomain(template: "{hostname}.Example.org.", hostname: "Node-1")
        #expect(domain.name == "node-1.example.org")
        #expect(domain.directory == "/skydns/org/example/node-1")
        #expect(domain.isHostScoped)
        let layout = try KeyLayout(template: "/containers", hostname: "node-1", formats: [.keys, .skydns(domain)])
        #expect(layout.hostScopedRoots == ["/skydns/org/example/node-1"])
    }

    @Test(arguments: ["", ".", "a..b", "exa mple.org", "a/b", "{host}.org", String(repeating: "x", count: 64)])
    func badDomainsAreRefused(domain: String) {
        #expect(throws: ConfigurationError.self) { try SkyDNSDomain(template: domain, hostname: "h1") }
    }

    @Test func resolvingTheFormatOptions() throws {
        #expect(try RegistrationFormat.resolve([], domain: nil, hostname: "h") == [.keys])
        #expect(try RegistrationFormat.resolve([.json, .json], domain: nil, hostname: "h") == [.json])
        #expect(
            try RegistrationFormat.resolve([.keys, .skydns], domain: "containers.example.org", hostname: "h")
                == [.keys, .skydns(Self.zone)])
        let missingDomain = #expect(throws: ConfigurationError.self) {
            try RegistrationFormat.resolve([.skydns], domain: nil, hostname: "h")
        }
        #expect(missingDomain?.message.contains("--domain") == true)
        #expect(throws: ConfigurationError.self) {
            try RegistrationFormat.resolve([.keys], domain: "example.org", hostname: "h")
        }
        let clash = #expect(throws: ConfigurationError.self) {
            try RegistrationFormat.resolve([.keys, .json], domain: nil, hostname: "h")
        }
        #expect(clash?.message.contains("--prefix") == true)
    }
}

@Suite("The reconciler in several formats")
struct MultiFormatReconcilerTests {
    let docker = FakeDocker()
    let store = FakeStore(formats: [.keys, .skydns(RegistrationFormatTests.zone)])

    func reconciler() throws -> Reconciler {
        try .underTest(
            docker: docker, store: store, all: true, formats: [.keys, .skydns(RegistrationFormatTests.zone)])
    }

    @Test func registersAndRemovesEveryFormatTogether() async throws {
        await docker.set(ReconcilerTests.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(
            await store.keys == [
                "/containers/web/80/host": "172.17.0.1", "/containers/web/80/port": "8080",
                "/skydns/org/example/containers/web/80": #"{"host":"172.17.0.1","port":8080}"#,
            ])
        await docker.set(ReconcilerTests.web(running: false), named: "web")
        try await reconciler.resync()
        #expect(await store.keys.isEmpty)
    }

    @Test func namesThatShareADNSLabelAreAConflictNotAnOverwrite() async throws {
        await docker.set(ReconcilerTests.web(name: "web", id: "1", port: 8080), named: "web")
        await docker.set(ReconcilerTests.web(name: "Web", id: "2", port: 9090), named: "Web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(await reconciler.registrations.count == 1)
        #expect(await store.keys["/skydns/org/example/containers/web/80"]?.contains("8080") == true)
    }

    @Test func driftInOneFormatRewritesTheContainer() async throws {
        await docker.set(ReconcilerTests.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        await store.seed(["/skydns/org/example/containers/web/80": "tampered"])
        try await reconciler.resync()
        #expect(await store.keys["/skydns/org/example/containers/web/80"] == #"{"host":"172.17.0.1","port":8080}"#)
    }
}
