/// The labels by which a container refines its own registration.
public enum ContainerLabels {
    /// `presence.ignore=true`: never register this container, even under `--all`.
    public static let ignore = "presence.ignore"
    /// `presence.ports=80,443/udp`: register only these ports.
    public static let ports = "presence.ports"
    /// `presence.name=NAME`: register under this name instead of the container's.
    public static let name = "presence.name"
    /// `presence.network=NETWORK`: with `--address container`, register its address on this network.
    public static let network = "presence.network"

    /// Parses `presence.ports`: comma-separated `PORT` or `PORT/PROTOCOL`; `nil` if any entry is malformed.
    static func parsePorts(_ text: String) -> Set<String>? {
        var ports = Set<String>()
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " \t")
            let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let port = Int(parts[0]), (1...65535).contains(port) else {
                return nil
            }
            let transport = parts.count == 2 ? parts[1].lowercased() : "tcp"
            guard ["tcp", "udp", "sctp"].contains(transport) else { return nil }
            ports.insert("\(port)/\(transport)")
        }
        return ports.isEmpty ? nil : ports
    }
}
