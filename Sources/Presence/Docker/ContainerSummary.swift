/// One entry of `GET /containers/json`: enough to select a container without inspecting it, and often enough to
/// register it (`snapshot`).
public struct ContainerSummary: Sendable, Equatable, Decodable {
    public var id: String
    public var name: String
    public var labels: [String: String]
    /// What an inspect would say of the container, when the listing alone says all of it; `nil` when only an
    /// inspect can tell (see `init(from:)`).
    public var snapshot: ContainerSnapshot?

    public init(id: String, name: String, labels: [String: String] = [:], snapshot: ContainerSnapshot? = nil) {
        self.id = id
        self.name = name
        self.labels = labels
        self.snapshot = snapshot
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case labels = "Labels"
        case state = "State"
        case status = "Status"
        case ports = "Ports"
        case hostConfig = "HostConfig"
        case networkSettings = "NetworkSettings"
    }

    /// An entry of `Ports`: one binding of `NetworkSettings.Ports`, or an exposed port without any.
    struct Port: Decodable {
        var ip: String?
        var privatePort: Int?
        var publicPort: Int?
        var type: String?
        enum CodingKeys: String, CodingKey {
            case ip = "IP"
            case privatePort = "PrivatePort"
            case publicPort = "PublicPort"
            case type = "Type"
        }
    }

    /// The endpoint settings Docker lists, which are those an inspect shows (the gateway included).
    struct NetworkSettings: Decodable {
        var networks: [String: DockerInspectResponse.Network?]?
        enum CodingKeys: String, CodingKey {
            case networks = "Networks"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let names = try container.decodeIfPresent([String].self, forKey: .names) ?? []
        // A container linked into others also lists "/other/alias"; its own name has a single slash.
        let own = names.first { $0.dropFirst().firstIndex(of: "/") == nil } ?? names.first ?? ""
        name = own.hasPrefix("/") ? String(own.dropFirst()) : own
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        // Docker builds the listing from the same state an inspect reads (its `Ports` from
        // `NetworkSettings.Ports`, its networks' endpoint settings as they are), but says less: a healthcheck's
        // status or a pause only in the `Status` text ("Up 2 hours (healthy)", "(Paused)"), and nothing of the
        // ports a container on the host's network exposes. So only a running container whose status says nothing
        // in parentheses, on a network of its own, is taken from the listing; anything else is inspected. A field
        // that does not read as expected means an inspect too, never a guess.
        snapshot = try? Self.snapshot(
            id: id, name: name, labels: labels,
            state: container.decodeIfPresent(String.self, forKey: .state),
            status: container.decodeIfPresent(String.self, forKey: .status),
            ports: container.decodeIfPresent([Port].self, forKey: .ports),
            networkMode: container.decodeIfPresent(DockerInspectResponse.HostConfig.self, forKey: .hostConfig)?
                .networkMode,
            networks: container.decodeIfPresent(NetworkSettings.self, forKey: .networkSettings)?.networks)
    }

    private static func snapshot(
        id: String, name: String, labels: [String: String], state: String?, status: String?, ports: [Port]?,
        networkMode: String?, networks: [String: DockerInspectResponse.Network?]?
    ) -> ContainerSnapshot? {
        guard state == "running", let status, status.hasPrefix("Up"), !status.contains("("),
            let networkMode, !networkMode.isEmpty, networkMode != "host", !networkMode.hasPrefix("container:"),
            let networks
        else { return nil }
        var bindings: [PortBinding] = []
        var exposed = Set<ExposedPort>()
        for port in ports ?? [] {
            guard let containerPort = port.privatePort, (1...65535).contains(containerPort), let type = port.type,
                let exposedPort = ExposedPort(dockerNotation: "\(containerPort)/\(type)")
            else { return nil }
            exposed.insert(exposedPort)
            guard let hostPort = port.publicPort, hostPort != 0 else { continue }
            guard (1...65535).contains(hostPort) else { return nil }
            bindings.append(
                PortBinding(
                    containerPort: containerPort, transport: exposedPort.transport, hostIP: port.ip ?? "",
                    hostPort: hostPort))
        }
        // In the order an inspect's snapshot has them.
        bindings.sort { ($0.containerPort, $0.transport, $0.hostIP) < ($1.containerPort, $1.transport, $1.hostIP) }
        return ContainerSnapshot(
            name: name, id: id, isRunning: true, bindings: bindings, labels: labels, exposedPorts: exposed.sorted(),
            networks: networks.compactMapValues { $0?.attachment },
            // The inspect's `NetworkSettings.Gateway` is the default bridge network's endpoint gateway.
            bridgeGateway: (networks["bridge"] ?? nil)?.gateway.nonEmpty)
    }
}
