/// The part of `GET /containers/{id}/json` the agent reads. Docker's responses are untrusted: every field is
/// optional and anything malformed is dropped rather than guessed at.
struct DockerInspectResponse: Decodable {
    struct State: Decodable {
        struct Health: Decodable {
            var status: String?
            enum CodingKeys: String, CodingKey {
                case status = "Status"
            }
        }
        var running: Bool?
        var paused: Bool?
        var health: Health?
        enum CodingKeys: String, CodingKey {
            case running = "Running"
            case paused = "Paused"
            case health = "Health"
        }
    }

    struct Binding: Decodable {
        var hostIP: String?
        var hostPort: String?
        enum CodingKeys: String, CodingKey {
            case hostIP = "HostIp"
            case hostPort = "HostPort"
        }
    }

    /// An entry of `NetworkSettings.Networks`, in an inspect as in the listing.
    struct Network: Decodable {
        var ipAddress: String?
        var globalIPv6Address: String?
        var ipv6Gateway: String?
        /// The endpoint's IPv4 gateway: read from the listing, where the inspect's `NetworkSettings.Gateway` is
        /// missing.
        var gateway: String?
        enum CodingKeys: String, CodingKey {
            case ipAddress = "IPAddress"
            case globalIPv6Address = "GlobalIPv6Address"
            case ipv6Gateway = "IPv6Gateway"
            case gateway = "Gateway"
        }

        var attachment: NetworkAttachment {
            NetworkAttachment(
                ipv4Address: ipAddress.nonEmpty, ipv6Address: globalIPv6Address.nonEmpty,
                ipv6Gateway: ipv6Gateway.nonEmpty)
        }
    }

    struct NetworkSettings: Decodable {
        var ports: [String: [Binding]?]?
        var gateway: String?
        var networks: [String: Network?]?
        enum CodingKeys: String, CodingKey {
            case ports = "Ports"
            case gateway = "Gateway"
            case networks = "Networks"
        }
    }

    struct Config: Decodable {
        var labels: [String: String]?
        var exposedPorts: [String: EmptyObject?]?
        enum CodingKeys: String, CodingKey {
            case labels = "Labels"
            case exposedPorts = "ExposedPorts"
        }
    }

    /// The `{}` each exposed port maps to.
    struct EmptyObject: Decodable {}

    struct HostConfig: Decodable {
        var networkMode: String?
        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode"
        }
    }

    var id: String
    var name: String
    var state: State?
    var networkSettings: NetworkSettings?
    var config: Config?
    var hostConfig: HostConfig?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case state = "State"
        case networkSettings = "NetworkSettings"
        case config = "Config"
        case hostConfig = "HostConfig"
    }

    var snapshot: ContainerSnapshot {
        var bindings: [PortBinding] = []
        var exposed = Set<ExposedPort>()
        for key in (config?.exposedPorts ?? [:]).keys {
            if let port = ExposedPort(dockerNotation: key) { exposed.insert(port) }
        }
        for (key, list) in networkSettings?.ports ?? [:] {
            guard let exposedPort = ExposedPort(dockerNotation: key) else { continue }
            exposed.insert(exposedPort)
            let (port, transport) = (exposedPort.containerPort, exposedPort.transport)
            for binding in list ?? [] {
                guard let hostPort = binding.hostPort.flatMap({ Int($0) }), (1...65535).contains(hostPort) else {
                    continue
                }
                bindings.append(
                    PortBinding(
                        containerPort: port, transport: transport, hostIP: binding.hostIP ?? "", hostPort: hostPort))
            }
        }
        // Docker's map has no order; sorting keeps the IPv4-before-IPv6 choice and the logs stable.
        bindings.sort { ($0.containerPort, $0.transport, $0.hostIP) < ($1.containerPort, $1.transport, $1.hostIP) }
        return ContainerSnapshot(
            name: name.hasPrefix("/") ? String(name.dropFirst()) : name,
            id: id,
            isRunning: state?.running ?? false,
            isPaused: state?.paused ?? false,
            health: state?.health?.status.flatMap { $0.isEmpty || $0 == "none" ? nil : $0 },
            bindings: bindings,
            labels: config?.labels ?? [:],
            exposedPorts: exposed.sorted(),
            networks: (networkSettings?.networks ?? [:]).compactMapValues { $0?.attachment },
            usesHostNetwork: hostConfig?.networkMode == "host",
            bridgeGateway: networkSettings?.gateway.nonEmpty
        )
    }
}

extension String? {
    /// The string, or `nil` when it is empty: Docker reports an absent address as "".
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
