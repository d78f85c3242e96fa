import Foundation
import Presence
import PresenceTestSupport
import Testing

/// Every address the agent writes is one a consumer can dial. The expectation never comes from the agent's
/// rule: the test reads each registration from etcd, fetches the page there from this host and from a
/// container on the same Docker network, and must get the page of the container registered under that name.
@Suite("Addresses a consumer can dial", .timeLimit(.minutes(5)))
struct AddressTests {
    let docker: DockerCLI
    let etcd: EtcdReader
    let consumer: Consumer

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
        consumer = Consumer(docker: docker)
    }

    /// Starts a container serving a page that holds its own name (busybox `httpd` on port 80, or `port`).
    func serve(_ name: String, port: Int = 80, arguments: [String] = []) async throws {
        try await docker.docker(
            ["run", "-d", "--init", "--name", name] + arguments + [
                try TestEnvironment.image(), "sh", "-c", Consumer.pageServer, name, String(port),
            ])
    }

    func createNetwork(_ name: String, _ options: [String] = []) async throws {
        try await docker.docker(["network", "create"] + options + [name])
    }

    func removeNetworks(_ names: [String]) {
        for name in names { _ = try? shell(["docker", "-H", docker.host, "network", "rm", name], allowFailure: true) }
    }

    /// Waits until etcd holds a registration for each of `names`, and returns every registration of them.
    func registrations(
        under prefix: String, of names: [String], agent: AgentProcess
    ) async throws -> [Registered] {
        var found: [Registered] = []
        let complete = try await eventually {
            found = Registered.read(try await etcd.keys(.v3, under: prefix), prefix: prefix, names: Set(names))
            return Set(found.map(\.container)) == Set(names)
        }
        #expect(complete != nil, "registered: \(found); agent log:\n\(agent.log)")
        return found
    }

    /// Fetches every registration from this host and from a container on `network`, and checks that each
    /// answers with the page of the container registered there (`pages`: container name to page).
    func expectDialable(
        _ registered: [Registered], pages: [String: String], from network: String?, fromContainer: Bool = true
    ) async throws {
        for registration in registered {
            let page = pages[registration.container]
            let fromHost = try await consumer.fetchFromHost(registration.host, registration.hostPort)
            #expect(fromHost == page, "\(registration) fetched from this host")
            guard fromContainer else { continue }
            let fromPeer = try await consumer.fetchFromContainer(on: network, registration.host, registration.hostPort)
            #expect(fromPeer == page, "\(registration) fetched from a container on \(network ?? "bridge")")
        }
    }

    static func agentArguments(_ mode: String) -> [String] { ["--all", "--address", mode] }

    // MARK: - The default bridge

    /// On a fresh engine, Docker 20.10 lists the bridge's subnet without a gateway: the written host must still
    /// be the address the kernel gave docker0.
    @Test func theDefaultBridgesHostIsTheKernelsAddressOfItsInterface() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("bridged")
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix)
        try await serve(name, arguments: ["-p", "80"])
        let registered = try await registrations(under: prefix, of: [name], agent: agent)
        let kernel = try await docker.kernelAddress(
            ofInterface: try await docker.bridgeInterface("bridge"), family: "-4")
        #expect(registered.map(\.host) == [kernel])
        try await expectDialable(registered, pages: [name: name], from: nil)
        #expect(try await agent.terminate().status == 0)
    }

    /// `--host-ip lo` writes the address the kernel gives the interface, for an agent on the host's network.
    @Test func hostIPNamesAnInterface() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("interface")
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, extra: ["--host-ip", "lo"])
        try await serve(name, arguments: ["-p", "80"])
        let registered = try await registrations(under: prefix, of: [name], agent: agent)
        #expect(registered.map(\.host) == [try await docker.kernelAddress(ofInterface: "lo", family: "-4")])
        try await expectDialable(registered, pages: [name: name], from: nil, fromContainer: false)
        #expect(try await agent.terminate().status == 0)
    }

    // MARK: - User-defined networks

    @Test(arguments: ["host", "container"])
    func aUserDefinedBridgeNetwork(mode: String) async throws {
        let prefix = uniquePrefix()
        let network = uniqueName("net")
        let names = [uniqueName("one"), uniqueName("two")]
        try await createNetwork(network)
        defer {
            docker.remove(names)
            removeNetworks([network])
        }
        let agent = try AgentProcess.start(container: [], prefix: prefix, extra: Self.agentArguments(mode))
        for name in names { try await serve(name, arguments: ["--network", network, "-p", "80"]) }
        let registered = try await registrations(under: prefix, of: names, agent: agent)
        #expect(registered.count == 2)
        try await expectDialable(
            registered, pages: Dictionary(uniqueKeysWithValues: names.map { ($0, $0) }), from: network)
        #expect(try await agent.terminate().status == 0)
    }

    /// Compose names each replica apart and puts them on the project's network: each is reachable under its
    /// own name. The page is the replica's host name, which compose sets to its container id.
    @Test(arguments: ["host", "container"])
    func aComposeProjectScaledToThree(mode: String) async throws {
        let prefix = uniquePrefix()
        let project = "addr" + UUID().uuidString.prefix(8).lowercased()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(project)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("compose.yaml").path
        try """
        version: "3.7"
        services:
          web:
            image: \(try TestEnvironment.image())
            command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"]
            ports: ["80"]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let compose = ["docker-compose", "-f", file, "-p", project]
        let environment = ["DOCKER_HOST": docker.host]
        defer {
            _ = try? shell(compose + ["down", "-t", "0"], environment: environment, allowFailure: true)
            try? FileManager.default.removeItem(at: directory)
        }
        let agent = try AgentProcess.start(container: [], prefix: prefix, extra: Self.agentArguments(mode))
        try await shell(compose + ["up", "-d", "--scale", "web=3"], environment: environment)
        let names = try await docker.docker([
            "ps", "--filter", "label=com.docker.compose.project=\(project)", "--format", "{{.Names}}",
        ]).split(separator: "\n").map(String.init)
        #expect(names.count == 3)
        var pages: [String: String] = [:]
        for name in names { pages[name] = try await docker.run("inspect", "--format", "{{.Config.Hostname}}", name) }
        #expect(Set(pages.values).count == 3)
        let registered = try await registrations(under: prefix, of: names, agent: agent)
        #expect(registered.count == 3)
        try await expectDialable(registered, pages: pages, from: "\(project)_default")
        #expect(try await agent.terminate().status == 0)
    }

    /// In host mode a container on two networks is registered at its published port; in container mode only
    /// once a network is chosen (its label), or once it is left with one, which a `network disconnect` event
    /// tells at once.
    @Test(arguments: ["host", "container"])
    func aContainerOnTwoNetworks(mode: String) async throws {
        let prefix = uniquePrefix()
        let (front, back) = (uniqueName("front"), uniqueName("back"))
        let unnamed = uniqueName("unnamed")
        let labelled = uniqueName("labelled")
        try await createNetwork(front)
        try await createNetwork(back)
        defer {
            docker.remove([unnamed, labelled])
            removeNetworks([front, back])
        }
        // Intervals far beyond the test's patience: only Docker's events can explain what it sees.
        let agent = try AgentProcess.start(
            container: [], prefix: prefix, ttl: 600, interval: 300, extra: Self.agentArguments(mode))
        try await serve(unnamed, arguments: ["--network", front, "-p", "80"])
        try await serve(labelled, arguments: ["--network", front, "-p", "80", "--label", "presence.network=\(back)"])
        for name in [unnamed, labelled] { try await docker.run("network", "connect", back, name) }
        if mode == "host" {
            // Connecting a network that becomes the container's gateway moves its published port to a new host
            // port: the registration must follow, from the `connect` event alone.
            var registered: [Registered] = []
            let followed = try await eventually {
                registered = try await registrations(under: prefix, of: [unnamed, labelled], agent: agent)
                var published: [String] = []
                for entry in registered { published.append(try await docker.hostPort(entry.container, "80/tcp")) }
                return registered.map(\.hostPort) == published
            }
            #expect(followed != nil, "\(registered)")
            try await expectDialable(registered, pages: [unnamed: unnamed, labelled: labelled], from: front)
        } else {
            let registered = try await registrations(under: prefix, of: [labelled], agent: agent)
            try await expectDialable(registered, pages: [labelled: labelled], from: back)
            let address = try await docker.run(
                "inspect", "--format", "{{(index .NetworkSettings.Networks \"\(back)\").IPAddress}}", labelled)
            #expect(registered.map(\.host) == [address], "the address on the network its label names")
            try await eventually { agent.log.contains("container is on several networks") }
            #expect(
                agent.log.contains(
                    "container is on several networks (\([back, front].sorted().joined(separator: ", ")))"))
            #expect(Registered.read(try await etcd.keys(.v3, under: prefix), prefix: prefix, names: [unnamed]).isEmpty)
            try await docker.run("network", "disconnect", front, unnamed)
            let moved = try await registrations(under: prefix, of: [unnamed], agent: agent)
            try await expectDialable(moved, pages: [unnamed: unnamed], from: back)
        }
        #expect(try await agent.terminate().status == 0)
    }

    // MARK: - The host's network

    @Test(arguments: ["host", "container"])
    func aHostNetworkContainer(mode: String) async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("hostnet")
        let port = try freePort()
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, extra: ["--address", mode])
        try await serve(name, port: port, arguments: ["--network", "host", "--expose", String(port)])
        let registered = try await registrations(under: prefix, of: [name], agent: agent)
        #expect(registered.map(\.hostPort) == [String(port)])
        #expect(registered.map(\.host) == [try await docker.expectedHostIP()])
        try await expectDialable(registered, pages: [name: name], from: nil)
        #expect(try await agent.terminate().status == 0)
    }

    // MARK: - IPv6

    /// A port bound to `[::1]` is registered there (dialled from this host only: in a container, ::1 is the
    /// container's own); a port bound to `[::]` alone at an IPv6 address of the host on the network's bridge,
    /// never at an IPv4 address where nothing listens.
    @Test(arguments: ["host", "container"])
    func anIPv6Network(mode: String) async throws {
        let prefix = uniquePrefix()
        let network = uniqueName("v6")
        let (loopback, wildcard) = (uniqueName("loopback6"), uniqueName("wildcard6"))
        // A unique local prefix drawn at run time (RFC 4193), so no address is written in the test.
        let random = (0..<5).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }
        let subnet = "fd\(random[0]):\(random[1])\(random[2]):\(random[3])\(random[4])::/64"
        try await createNetwork(network, ["--ipv6", "--subnet", subnet])
        defer {
            docker.remove([loopback, wildcard])
            removeNetworks([network])
        }
        let agent = try AgentProcess.start(container: [], prefix: prefix, extra: Self.agentArguments(mode))
        try await serve(loopback, arguments: ["--network", network, "-p", "[::1]::80"])
        try await serve(wildcard, arguments: ["--network", network, "-p", "[::]::80"])
        let registered = try await registrations(under: prefix, of: [loopback, wildcard], agent: agent)
        let pages = [loopback: loopback, wildcard: wildcard]
        if mode == "host" {
            let bridge = try await docker.bridgeInterface(network)
            let hostAddress = try await docker.kernelAddress(ofInterface: bridge, family: "-6")
            #expect(registered.first { $0.container == loopback }?.host == "::1")
            #expect(registered.first { $0.container == wildcard }?.host == hostAddress)
            try await expectDialable(
                registered.filter { $0.container == loopback }, pages: pages, from: network, fromContainer: false)
            try await expectDialable(registered.filter { $0.container == wildcard }, pages: pages, from: network)
        } else {
            try await expectDialable(registered, pages: pages, from: network)
        }
        #expect(try await agent.terminate().status == 0)
    }
}
