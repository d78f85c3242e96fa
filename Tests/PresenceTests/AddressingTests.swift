import Testing

@testable import Presence

@Suite("Addresses a consumer dials: host or container, IPv4 or IPv6")
struct AddressingTests {
    static let hosts = HostAddresses(ipv4: "192.0.2.1")

    /// A container on the network `front` (192.0.2.10 in the test's documentation range), exposing 80 and 53/udp
    /// and publishing 80 on 8080.
    static func web(
        networks: [String: NetworkAttachment] = ["front": NetworkAttachment(ipv4Address: "192.0.2.10")],
        labels: [String: String] = [:], hostNetwork: Bool = false, bindings: [PortBinding]? = nil
    ) -> ContainerSnapshot {
        ContainerSnapshot(
            name: "web", id: "1", isRunning: true,
            bindings: bindings ?? [PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: 8080)],
            labels: labels,
            exposedPorts: [ExposedPort(containerPort: 53, transport: "udp"), ExposedPort(containerPort: 80)],
            networks: networks, usesHostNetwork: hostNetwork)
    }

    func decide(
        _ snapshot: ContainerSnapshot, _ addressing: Addressing, hosts: HostAddresses = hosts
    ) throws -> RegistrationDecision {
        RegistrationDecision.decide(
            snapshot, selection: try ContainerSelection(all: true), addressing: addressing, hosts: hosts)
    }

    func ports(_ decision: RegistrationDecision) -> [String] {
        guard case .register(_, let ports, _) = decision else { return ["not registered: \(decision)"] }
        return ports.map { "\($0.segment)=\($0.dialHost):\($0.hostPort)" }
    }

    @Test func hostModeRegistersPublishedPortsAtTheHost() throws {
        #expect(ports(try decide(Self.web(), .host)) == ["80=192.0.2.1:8080"])
    }

    @Test func containerModeRegistersEveryExposedPortAtTheContainersAddress() throws {
        let decision = try decide(Self.web(), Addressing(mode: .container))
        #expect(ports(decision) == ["53-udp=192.0.2.10:53", "80=192.0.2.10:80"])
    }

    @Test func theNetworkOptionWinsOverTheLabel() throws {
        let networks = [
            "front": NetworkAttachment(ipv4Address: "192.0.2.10"), "back": NetworkAttachment(ipv4Address: "192.0.2.20"),
        ]
        let labelled = Self.web(networks: networks, labels: ["presence.network": "back"])
        #expect(ports(try decide(labelled, Addressing(mode: .container))).last == "80=192.0.2.20:80")
        #expect(
            ports(try decide(labelled, Addressing(mode: .container, network: "front"))).last == "80=192.0.2.10:80")
    }

    @Test func severalNetworksWithNoneChosenIsRefusedWithTheirNames() throws {
        let networks = [
            "front": NetworkAttachment(ipv4Address: "192.0.2.10"), "back": NetworkAttachment(ipv4Address: "192.0.2.20"),
        ]
        let decision = try decide(Self.web(networks: networks), Addressing(mode: .container))
        guard case .refuse(let warning) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(warning.contains("back, front") && warning.contains("presence.network"))
    }

    @Test func aContainerNotOnTheChosenNetworkIsRefused() throws {
        let decision = try decide(Self.web(), Addressing(mode: .container, network: "elsewhere"))
        guard case .refuse(let warning) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(warning.contains("'elsewhere'") && warning.contains("front"))
    }

    @Test func anIPv6OnlyNetworkGivesTheContainersIPv6Address() throws {
        let networks = ["v6": NetworkAttachment(ipv6Address: "2001:db8::10", ipv6Gateway: "2001:db8::1")]
        #expect(
            ports(try decide(Self.web(networks: networks), Addressing(mode: .container))).last
                == "80=[2001:db8::10]:80")
    }

    @Test(arguments: [AddressMode.host, .container])
    func aHostNetworkContainerRegistersItsExposedPortsAtTheHost(mode: AddressMode) throws {
        let decision = try decide(
            Self.web(networks: ["host": NetworkAttachment()], hostNetwork: true, bindings: []), Addressing(mode: mode))
        #expect(ports(decision) == ["53-udp=192.0.2.1:53", "80=192.0.2.1:80"])
    }

    @Test func presencePortsAppliesInContainerMode() throws {
        let decision = try decide(Self.web(labels: ["presence.ports": "80"]), Addressing(mode: .container))
        #expect(ports(decision) == ["80=192.0.2.10:80"])
    }

    @Test func anIPv6WildcardGoesToHostIP6ThenTheNetworksIPv6Gateway() throws {
        let bindings = [PortBinding(containerPort: 80, hostIP: "::", hostPort: 8080)]
        let networks = ["v6": NetworkAttachment(ipv4Address: "192.0.2.10", ipv6Gateway: "2001:db8::1")]
        let web = Self.web(networks: networks, bindings: bindings)
        #expect(ports(try decide(web, .host)) == ["80=[2001:db8::1]:8080"])
        let configured = HostAddresses(ipv4: "192.0.2.1", ipv6: "2001:db8:ffff::7")
        #expect(ports(try decide(web, .host, hosts: configured)) == ["80=[2001:db8:ffff::7]:8080"])
    }

    @Test func anIPv6WildcardWithNoIPv6AddressIsSkippedWithAWarning() throws {
        let bindings = [
            PortBinding(containerPort: 80, hostIP: "::", hostPort: 8080),
            PortBinding(containerPort: 81, hostIP: "0.0.0.0", hostPort: 8081),
        ]
        let decision = try decide(Self.web(bindings: bindings), .host)
        guard case .register(_, let ports, let warnings) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(ports.map(\.containerPort) == [81])
        #expect(warnings.count == 1 && warnings[0].contains("80/tcp") && warnings[0].contains("--host-ip6"))
        let only = try decide(Self.web(bindings: [bindings[0]]), .host)
        guard case .refuse = only else {
            Issue.record("a container with nothing addressable is refused, not registered empty: \(only)")
            return
        }
    }

    @Test(arguments: [
        ("172.17.0.0/16", "172.17.0.1"), ("198.51.100.128/25", "198.51.100.129"), ("203.0.113.7/24", "203.0.113.1"),
        ("2001:db8:1::/64", "2001:db8:1::1"), ("fd00:aa::ff/120", "fd00:aa::1"),
    ])
    func dockersRuleIsTheSubnetsFirstHost(subnet: String, first: String) {
        #expect(Subnet(subnet)?.firstHost == first)
    }

    @Test(arguments: ["198.51.100.0", "198.51.100.0/33", "x/8", "198.51.100.1/32", "::/128"])
    func malformedOrHostlessSubnetsHaveNoFirstHost(text: String) {
        #expect(Subnet(text)?.firstHost == nil)
    }

    @Test func hostIPTakesAnAddressOfItsFamilyOrAnInterfaceName() throws {
        #expect(try HostAddressSetting(parsing: "192.0.2.1", family: .ipv4) == .address("192.0.2.1"))
        #expect(try HostAddressSetting(parsing: "eth0.100", family: .ipv4) == .interface("eth0.100"))
        #expect(try HostAddressSetting(parsing: "2001:db8::1", family: .ipv6) == .address("2001:db8::1"))
        #expect(throws: ConfigurationError.self) { try HostAddressSetting(parsing: "2001:db8::1", family: .ipv4) }
        #expect(throws: ConfigurationError.self) { try HostAddressSetting(parsing: "192.0.2.1", family: .ipv6) }
        #expect(throws: ConfigurationError.self) { try HostAddressSetting(parsing: "300.1.1.1", family: .ipv4) }
        #expect(throws: ConfigurationError.self) {
            try HostAddressSetting(parsing: "a-very-long-interface", family: .ipv4)
        }
        #expect(throws: ConfigurationError.self) { try HostAddressSetting(parsing: "", family: .ipv4) }
    }

    @Test func theLoopbackInterfaceResolvesToItsAddress() throws {
        #expect(try HostAddressSetting.interface("lo").resolve(.ipv4) == "127.0.0.1")
        #expect(throws: PresenceError.self) { try HostAddressSetting.interface("nonexistent0").resolve(.ipv4) }
    }

    @Test func aNetworkWithoutContainerAddressesIsAUsageError() {
        #expect(throws: ConfigurationError.self) {
            try AgentConfiguration(selection: try ContainerSelection(all: true), network: "front")
        }
        #expect(throws: Never.self) {
            try AgentConfiguration(selection: try ContainerSelection(all: true), address: .container, network: "front")
        }
    }
}
