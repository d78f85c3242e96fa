import AsyncHTTPClient
import PresenceTestSupport
import Testing

@testable import Presence

/// The agent registers a container from Docker's listing when the listing tells all an inspect would: the
/// engine's own inspect is the expectation, never the agent's reading of the listing.
@Suite("What the listing tells, against the engine's inspect", .serialized, .timeLimit(.minutes(3)))
struct ListingSnapshotTests {
    /// Containers of every kind the listing may or may not tell all about, by whether it should.
    struct Case {
        var name: String
        var listingTellsAll: Bool
    }

    /// Compares, for each case, the listing's snapshot with the inspect's: equal where the listing tells all,
    /// absent where only an inspect can (a healthcheck, a pause, the host's network, another container's).
    func compare(_ cases: [Case], docker: DockerClient) async throws {
        let listed = try await docker.listContainers()
        for test in cases {
            let summary = try #require(listed.first { $0.name == test.name }, "\(test.name) is not listed")
            let inspected = try #require(try await docker.container(named: test.name))
            if test.listingTellsAll {
                #expect(summary.snapshot == inspected, "\(test.name): listed \(String(describing: summary.snapshot))")
            } else {
                #expect(summary.snapshot == nil, "\(test.name): \(String(describing: summary.snapshot))")
            }
        }
    }

    @Test func dockerdsListingAgreesWithItsInspects() async throws {
        let cli = try DockerCLI()
        let network = uniqueName("listing-net")
        let names = (1...8).map { uniqueName("listing-\($0)") }
        defer {
            cli.remove(names)
            _ = try? shell(["docker", "-H", cli.host, "network", "rm", network], allowFailure: true)
        }
        _ = try await cli.docker(["network", "create", network])
        let loopback = try freePort()
        try await cli.start(names[0], ports: ["80", "53/udp"])
        try await cli.start(names[1], ports: ["127.0.0.1:\(loopback):80"], extra: ["--expose", "90"])
        try await cli.start(names[2], ports: ["80"], extra: ["--network", network])
        try await cli.start(names[3], ports: ["80"])
        _ = try await cli.docker(["network", "connect", network, names[3]])
        try await cli.start(names[4], ports: ["80"], extra: ["--health-cmd", "true", "--health-interval", "1s"])
        try await cli.start(names[5], ports: ["80"])
        _ = try await cli.docker(["pause", names[5]])
        try await cli.start(names[6], ports: [], extra: ["--network", "host", "--expose", "8080"])
        try await cli.start(names[7], ports: [], extra: ["--network", "container:\(names[0])"])
        let docker = DockerClient(host: try DockerHost(try TestEnvironment.dockerHost()), httpClient: .shared)
        // The healthy container too is inspected: its status is in parentheses.
        let healthy = try await eventually {
            try await cli.docker(["inspect", "-f", "{{.State.Health.Status}}", names[4]]) == "healthy"
        }
        #expect(healthy != nil, "the healthcheck never passed")
        // A full host's listing is decoded in parts side by side: the engine's listing, cut into parts however
        // many, reads as it does whole.
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        let raw = Array(try await shell(["curl", "-sf", "--unix-socket", socket, "http://docker/containers/json"]).utf8)
        let whole = try JSONDecoder().decode([ContainerSummary].self, from: Data(raw))
        #expect(whole.count >= names.count)
        for cores in 2...4 {
            #expect(try await ContainerListing.decode(raw, cores: cores, splitThreshold: 0) == whole, "\(cores) parts")
        }
        try await compare(
            [
                Case(name: names[0], listingTellsAll: true), Case(name: names[1], listingTellsAll: true),
                Case(name: names[2], listingTellsAll: true), Case(name: names[3], listingTellsAll: true),
                Case(name: names[4], listingTellsAll: false), Case(name: names[5], listingTellsAll: false),
                Case(name: names[6], listingTellsAll: false), Case(name: names[7], listingTellsAll: false),
            ], docker: docker)
    }

    @Test func podmansListingAgreesWithItsInspects() async throws {
        let podman = try PodmanService()
        defer { podman.stop() }
        try await podman.start()
        let names = (1...3).map { uniqueName("listing-podman-\($0)") }
        let loopback = try freePort()
        try await podman.run(names[0], ports: ["80", "53/udp"])
        try await podman.run(names[1], ports: ["127.0.0.1:\(loopback):80"], extra: ["--expose", "90"])
        try await podman.run(names[2], ports: ["80"], extra: ["--health-cmd", "true", "--health-interval", "1s"])
        let docker = DockerClient(host: try DockerHost(podman.dockerHost), httpClient: .shared)
        let listed = try await docker.listContainers()
        // Whatever Podman's listing says, a container it tells all about must be what its inspect says, and a
        // container with a healthcheck is always inspected.
        for name in names {
            let summary = try #require(listed.first { $0.name == name }, "\(name) is not listed")
            let inspected = try #require(try await docker.container(named: name))
            if name == names[2] {
                #expect(summary.snapshot == nil, "\(String(describing: summary.snapshot))")
            } else if let snapshot = summary.snapshot {
                #expect(snapshot == inspected)
            }
        }
        print("Podman's listing told all about \(listed.filter { $0.snapshot != nil }.count) of \(names.count)")
    }
}
