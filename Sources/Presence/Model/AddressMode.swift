/// Which address and port a registration gives consumers.
public enum AddressMode: String, Sendable, CaseIterable {
    /// The host's address and the published port: reachable from anywhere the host is.
    case host
    /// The container's own address on a Docker network and the container port, published or not: reachable
    /// from that network (a compose project, an overlay, macvlan or ipvlan network).
    case container
}
