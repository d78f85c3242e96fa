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
    static func parsePorts(_ text: String) -> Set<ExposedPort>? {
        var ports = Set<ExposedPort>()
        for entry in text.split(separator: ",") {
            guard let port = ExposedPort(dockerNotation: entry.trimmingCharacters(in: " \t")) else { return nil }
            ports.insert(port)
        }
        return ports.isEmpty ? nil : ports
    }
}
