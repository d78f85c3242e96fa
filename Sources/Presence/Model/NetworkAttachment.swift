/// A container's place on one Docker network: `NetworkSettings.Networks[name]`, with empty fields as `nil`.
public struct NetworkAttachment: Sendable, Equatable {
    /// The container's IPv4 address on the network.
    public var ipv4Address: String?
    /// The container's global IPv6 address on the network, when the network has IPv6.
    public var ipv6Address: String?
    /// The network's IPv6 gateway: an address of the host on an IPv6 bridge.
    public var ipv6Gateway: String?

    public init(ipv4Address: String? = nil, ipv6Address: String? = nil, ipv6Gateway: String? = nil) {
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
        self.ipv6Gateway = ipv6Gateway
    }
}
