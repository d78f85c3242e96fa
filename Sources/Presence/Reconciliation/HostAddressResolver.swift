/// Works out the host's addresses for ports bound to every interface, from the options and what Docker says
/// of its default bridge.
///
/// The IPv4 address is, in order: `--host-ip` (an address, or an interface's, looked up on every refresh); the
/// bridge's gateway as its IPAM lists it; a container's `NetworkSettings.Gateway`, which Docker fills for the
/// default bridge; Docker's own rule, the first host of the bridge's subnet (Docker 20.10 lists only the subnet
/// of a bridge it created itself); and only when nothing at all is known, the original agent's `172.17.42.1`,
/// with a warning. The IPv6 address is `--host-ip6`, else the bridge's IPv6 gateway when it has IPv6 enabled.
struct HostAddressResolver {
    /// Where the IPv4 address came from, for the log.
    enum Source: String, Sendable {
        case option = "--host-ip"
        case bridgeGateway = "the bridge network's gateway"
        case containerGateway = "a container's gateway on the bridge network"
        case bridgeSubnet = "the first address of the bridge network's subnet"
        case fallback = "nothing Docker reports"
    }

    /// The address written when nothing at all is known: the original agent's, docker0's address in 2014.
    static let fallbackIPv4 = "172.17.42.1"

    let configuredIPv4: HostAddressSetting?
    let configuredIPv6: HostAddressSetting?
    /// Whether Docker's bridge must be asked at all.
    var needsBridge: Bool { configuredIPv4 == nil || configuredIPv6 == nil }

    private var resolvedIPv4: String?
    private var resolvedIPv6: String?
    private var bridge: BridgeNetwork?
    private var containerGateway: String?
    private(set) var isRefreshed = false

    init(ipv4: HostAddressSetting?, ipv6: HostAddressSetting?) {
        configuredIPv4 = ipv4
        configuredIPv6 = ipv6
    }

    /// Takes in a new look at the options' interfaces and Docker's bridge (`nil` when it has none).
    mutating func refresh(bridge: BridgeNetwork?) throws {
        resolvedIPv4 = try configuredIPv4?.resolve(.ipv4)
        resolvedIPv6 = try configuredIPv6?.resolve(.ipv6)
        self.bridge = bridge
        isRefreshed = true
    }

    /// Learns the default bridge's gateway from a container on it, for engines that list none.
    mutating func learn(from snapshot: ContainerSnapshot) {
        if let gateway = snapshot.bridgeGateway, !gateway.contains(":") { containerGateway = gateway }
    }

    /// The addresses to write now, and where the IPv4 one came from.
    var current: (addresses: HostAddresses, source: Source) {
        let ipv6 = resolvedIPv6 ?? bridge?.ipv6?.hostAddress
        let (ipv4, source): (String, Source) =
            if let resolvedIPv4 { (resolvedIPv4, .option) } else if let gateway = bridge?.ipv4?.gateway {
                (gateway, .bridgeGateway)
            } else if let containerGateway {
                (containerGateway, .containerGateway)
            } else if let first = bridge?.ipv4?.subnet?.firstHost { (first, .bridgeSubnet) } else {
                (Self.fallbackIPv4, .fallback)
            }
        return (HostAddresses(ipv4: ipv4, ipv6: ipv6), source)
    }
}
