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

    struct NetworkSettings: Decodable {
        var ports: [String: [Binding]?]?
        enum CodingKeys: String, CodingKey {
            case ports = "Ports"
        }
    }

    struct Config: Decodable {
        var labels: [String: String]?
        enum CodingKeys: String, CodingKey {
            case labels = "Labels"
        }
    }

    var id: String
    var name: String
    var state: State?
    var networkSettings: NetworkSettings?
    var config: Config?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case state = "State"
        case networkSettings = "NetworkSettings"
        case config = "Config"
    }

    var snapshot: ContainerSnapshot {
        var bindings: [PortBinding] = []
        for (key, list) in networkSettings?.ports ?? [:] {
            guard let (port, transport) = DockerInspectResponse.parsePortKey(key) else { continue }
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
            labels: config?.labels ?? [:]
        )
    }

    /// Parses `80/tcp` (or a bare `80`, meaning tcp).
    static func parsePortKey(_ key: String) -> (Int, String)? {
        let parts = key.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let port = Int(first), (1...65535).contains(port) else { return nil }
        let transport = parts.count > 1 ? parts[1].lowercased() : "tcp"
        guard ["tcp", "udp", "sctp"].contains(transport) else { return nil }
        return (port, transport)
    }
}

/// The part of `GET /networks/bridge` the agent reads.
struct DockerNetworkResponse: Decodable {
    struct IPAM: Decodable {
        struct Config: Decodable {
            var gateway: String?
            enum CodingKeys: String, CodingKey {
                case gateway = "Gateway"
            }
        }
        var config: [Config]?
        enum CodingKeys: String, CodingKey {
            case config = "Config"
        }
    }

    var ipam: IPAM?
    enum CodingKeys: String, CodingKey {
        case ipam = "IPAM"
    }

    /// The first IPv4 gateway: registrations are dialled over IPv4 unless a binding says otherwise.
    var ipv4Gateway: String? {
        ipam?.config?.compactMap(\.gateway).first { !$0.isEmpty && !$0.contains(":") }
    }
}
