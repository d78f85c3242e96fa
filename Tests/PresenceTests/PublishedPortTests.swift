import Testing

@testable import Presence

@Suite("Bindings become published ports")
struct PublishedPortTests {
    /// `docker run -p 8080:80 -p 127.0.0.1:9090:9000 -p 5353:53/udp`, as Docker 20.10 reports it.
    static let webBindings = [
        PortBinding(containerPort: 53, transport: "udp", hostIP: "0.0.0.0", hostPort: 5353),
        PortBinding(containerPort: 53, transport: "udp", hostIP: "::", hostPort: 5353),
        PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: 8080),
        PortBinding(containerPort: 80, hostIP: "::", hostPort: 8080),
        PortBinding(containerPort: 9000, hostIP: "127.0.0.1", hostPort: 9090),
    ]

    @Test func theDocumentedTable() throws {
        let ports = PublishedPort.from(Self.webBindings, defaultHost: "172.17.0.1")
        let keys = try KeyLayout(prefix: "/containers").keys(container: "web", id: "1", ports: ports)
        #expect(
            keys == [
                "/containers/web/80/host": "172.17.0.1",
                "/containers/web/80/port": "8080",
                "/containers/web/9000/host": "127.0.0.1",
                "/containers/web/9000/port": "9090",
                "/containers/web/53-udp/host": "172.17.0.1",
                "/containers/web/53-udp/port": "5353",
            ])
    }

    @Test func anIPv4AndIPv6PairIsRegisteredOnceFromIPv4WhateverTheOrder() {
        let pair = [
            PortBinding(containerPort: 80, hostIP: "::", hostPort: 8081),
            PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: 8080),
        ]
        let ports = PublishedPort.from(pair, defaultHost: "10.0.0.5")
        #expect(ports == [PublishedPort(containerPort: 80, transport: "tcp", host: "10.0.0.5", hostPort: 8080)])
    }

    @Test func anIPv6OnlyBindingKeepsItsAddress() {
        let ports = PublishedPort.from(
            [PortBinding(containerPort: 80, hostIP: "::1", hostPort: 8080)], defaultHost: "172.17.0.1")
        #expect(ports.map(\.host) == ["::1"])
    }

    @Test(arguments: ["", "0.0.0.0"])
    func ipv4WildcardsBecomeTheHostIP(hostIP: String) {
        let ports = PublishedPort.from(
            [PortBinding(containerPort: 80, hostIP: hostIP, hostPort: 8080)], defaultHost: "192.0.2.7")
        #expect(ports.map(\.host) == ["192.0.2.7"])
    }

    @Test func anIPv6WildcardBecomesTheHostsIPv6Address() {
        let found = PublishedPort.from(
            [PortBinding(containerPort: 80, hostIP: "::", hostPort: 8080)],
            hosts: HostAddresses(ipv4: "192.0.2.7", ipv6: "2001:db8::1"))
        #expect(found.ports.map(\.host) == ["2001:db8::1"])
        #expect(found.ports.map(\.dialHost) == ["[2001:db8::1]"])
    }

    /// Nothing listens on the IPv4 address for a port bound only to `::`: it is left out, and named.
    @Test func anIPv6WildcardWithoutAnIPv6AddressIsNotRegisteredAtIPv4() {
        let found = PublishedPort.from(
            [
                PortBinding(containerPort: 80, hostIP: "::", hostPort: 8080),
                PortBinding(containerPort: 81, hostIP: "0.0.0.0", hostPort: 8081),
            ], hosts: HostAddresses(ipv4: "192.0.2.7"))
        #expect(found.ports.map(\.containerPort) == [81])
        #expect(found.unaddressable == ["80/tcp"])
    }

    @Test func aSpecificIPv6BindingWinsOverTheIPv6Wildcard() {
        let found = PublishedPort.from(
            [
                PortBinding(containerPort: 80, hostIP: "::", hostPort: 8080),
                PortBinding(containerPort: 80, hostIP: "::1", hostPort: 8081),
            ], hosts: HostAddresses(ipv4: "192.0.2.7"))
        #expect(found.ports == [PublishedPort(containerPort: 80, transport: "tcp", host: "::1", hostPort: 8081)])
    }

    @Test func exposedButUnpublishedPortsAreNotRegistered() {
        let ports = PublishedPort.from(
            [PortBinding(containerPort: 80, hostIP: "", hostPort: 0)], defaultHost: "172.17.0.1")
        #expect(ports.isEmpty)
    }

    @Test func tcpAndUDPOnOneNumberDoNotCollide() {
        let ports = PublishedPort.from(
            [
                PortBinding(containerPort: 53, transport: "tcp", hostIP: "0.0.0.0", hostPort: 53),
                PortBinding(containerPort: 53, transport: "udp", hostIP: "0.0.0.0", hostPort: 53),
            ], defaultHost: "h")
        #expect(ports.map(\.segment) == ["53", "53-udp"])
    }

    @Test func sctpGetsItsOwnSegment() {
        let port = PublishedPort(containerPort: 9, transport: "sctp", host: "h", hostPort: 9)
        #expect(port.segment == "9-sctp")
    }
}

extension PublishedPort {
    /// The ports of `bindings` with `defaultHost` as the host's IPv4 address and no IPv6 one.
    static func from(_ bindings: [PortBinding], defaultHost: String) -> [PublishedPort] {
        from(bindings, hosts: HostAddresses(ipv4: defaultHost)).ports
    }
}
