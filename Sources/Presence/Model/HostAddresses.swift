/// The host's own addresses, written for ports bound to every interface and for containers on the host's
/// network.
public struct HostAddresses: Sendable, Equatable {
    /// The IPv4 address: `--host-ip`, or the host's address on Docker's default bridge.
    public var ipv4: String
    /// The IPv6 address for ports bound only to `::`: `--host-ip6`, or the default bridge's IPv6 gateway. When
    /// neither is known, the IPv6 gateway of the container's own network stands in, else such ports are skipped.
    public var ipv6: String?

    public init(ipv4: String, ipv6: String? = nil) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}
