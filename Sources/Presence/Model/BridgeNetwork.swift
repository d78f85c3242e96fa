/// Docker's default `bridge` network, as far as it tells where the host can be dialled.
public struct BridgeNetwork: Sendable, Equatable {
    /// One IPAM pool: a subnet and, where the engine lists it, its gateway.
    public struct Pool: Sendable, Equatable {
        public var subnet: Subnet?
        public var gateway: String?

        public init(subnet: Subnet? = nil, gateway: String? = nil) {
            self.subnet = subnet
            self.gateway = gateway
        }

        /// The host's address on the bridge: the gateway, or where the engine lists none (Docker 20.10 with a
        /// bridge it created itself), Docker's own rule, the subnet's first host.
        public var hostAddress: String? { gateway ?? subnet?.firstHost }
    }

    public var ipv4: Pool?
    /// The IPv6 pool, only when the network has IPv6 enabled.
    public var ipv6: Pool?
    /// The bridge's interface on the host (`docker0`).
    public var interface: String?

    public init(ipv4: Pool? = nil, ipv6: Pool? = nil, interface: String? = nil) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.interface = interface
    }
}
