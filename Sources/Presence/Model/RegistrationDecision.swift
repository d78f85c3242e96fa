/// What the agent should do with one container, decided from Docker's view of it alone.
public enum RegistrationDecision: Sendable, Equatable {
    /// Hold these ports under `name`; `warnings` name what was left out, for the log.
    case register(name: String, ports: [PublishedPort], warnings: [String] = [])
    /// Hold nothing for it; `reason` is for the log.
    case skip(reason: String)
    /// Hold nothing, and warn: a label asks for something the agent will not write.
    case refuse(warning: String)

    /// The reason given for a container that is not running: it is then as good as gone.
    public static let notRunning = "container is not running"

    /// Decides for `snapshot` (or a container Docker no longer has, when `nil`).
    public static func decide(
        _ snapshot: ContainerSnapshot?,
        selection: ContainerSelection,
        hostIP: String,
        respectingHealth: Bool = true
    ) -> RegistrationDecision {
        decide(
            snapshot, selection: selection, hosts: HostAddresses(ipv4: hostIP), respectingHealth: respectingHealth)
    }

    /// Decides for `snapshot` (or a container Docker no longer has, when `nil`), addressing its ports by
    /// `addressing` with the host's addresses `hosts`.
    public static func decide(
        _ snapshot: ContainerSnapshot?,
        selection: ContainerSelection,
        addressing: Addressing = .host,
        hosts: HostAddresses,
        respectingHealth: Bool = true
    ) -> RegistrationDecision {
        guard let snapshot else { return .skip(reason: "container is gone") }
        guard selection.selects(name: snapshot.name, labels: snapshot.labels) else {
            return .skip(reason: "container is not selected")
        }
        if !snapshot.isRunning { return .skip(reason: notRunning) }
        if snapshot.isPaused { return .skip(reason: "container is paused") }
        if respectingHealth, let health = snapshot.health, health != "healthy" {
            return .skip(reason: "container is \(health), not healthy")
        }
        var name = snapshot.name
        if let label = snapshot.labels[ContainerLabels.name] {
            guard KeyLayout.isValidSegment(label) else {
                return .refuse(
                    warning: "label \(ContainerLabels.name)='\(label)' is not a valid key segment; not registering it")
            }
            name = label
        }
        guard KeyLayout.isValidSegment(name) else {
            return .refuse(warning: "container name '\(name)' is not a valid key segment; not registering it")
        }
        var ports: [PublishedPort]
        var warnings: [String] = []
        if snapshot.usesHostNetwork {
            ports = PublishedPort.atContainerPorts(snapshot.exposedPorts, address: hosts.ipv4)
        } else if addressing.mode == .host {
            // A port bound only to `::` may still be dialled at the IPv6 gateway of the container's own network.
            var hosts = hosts
            if hosts.ipv6 == nil {
                hosts.ipv6 = snapshot.networks.sorted { $0.key < $1.key }.lazy.compactMap(\.value.ipv6Gateway).first
            }
            let found = PublishedPort.from(snapshot.bindings, hosts: hosts)
            ports = found.ports
            if !found.unaddressable.isEmpty {
                warnings.append(
                    "port \(found.unaddressable.joined(separator: ", ")) is bound only to [::] and no IPv6 address "
                        + "of this host is known; not registering it (set --host-ip6, or publish it on IPv4)")
            }
        } else {
            switch containerAddress(of: snapshot, network: addressing.network) {
            case .success(let address): ports = PublishedPort.atContainerPorts(snapshot.exposedPorts, address: address)
            case .failure(let refusal): return refusal.decision
            }
        }
        if let label = snapshot.labels[ContainerLabels.ports] {
            guard let wanted = ContainerLabels.parsePorts(label) else {
                return .refuse(
                    warning: "label \(ContainerLabels.ports)='\(label)' is not like 80,443/udp; not registering it")
            }
            ports = ports.filter {
                wanted.contains(ExposedPort(containerPort: $0.containerPort, transport: $0.transport))
            }
        }
        if let unaddressable = warnings.first, ports.isEmpty { return .refuse(warning: unaddressable) }
        return .register(name: name, ports: ports, warnings: warnings)
    }

    /// The container's address on the network `--network`, its `presence.network` label or its only network
    /// names; or the decision to make when there is none.
    private static func containerAddress(
        of snapshot: ContainerSnapshot, network configured: String?
    ) -> Result<String, Refusal> {
        let networks = snapshot.networks.keys.sorted()
        let network: String
        if let chosen = configured ?? snapshot.labels[ContainerLabels.network] {
            network = chosen
        } else if networks.count == 1 {
            network = networks[0]
        } else if networks.isEmpty {
            return .failure(Refusal(.skip(reason: "container is on no network; it has no address to register")))
        } else {
            return .failure(
                Refusal(
                    .refuse(
                        warning: "container is on several networks (\(networks.joined(separator: ", "))) and none "
                            + "is chosen; set its label \(ContainerLabels.network)=NETWORK, or --network")))
        }
        guard let attachment = snapshot.networks[network] else {
            let source = configured != nil ? "--network" : "label \(ContainerLabels.network)"
            return .failure(
                Refusal(
                    .refuse(
                        warning: "container is not on network '\(network)' (\(source)); it is on "
                            + (networks.isEmpty ? "none" : networks.joined(separator: ", "))
                            + "; not registering it")))
        }
        guard let address = attachment.ipv4Address ?? attachment.ipv6Address else {
            return .failure(Refusal(.skip(reason: "container has no address on network '\(network)' yet")))
        }
        return .success(address)
    }

    /// A decision that ends `decide` early, as an `Error` for `Result`.
    private struct Refusal: Error {
        var decision: RegistrationDecision
        init(_ decision: RegistrationDecision) { self.decision = decision }
    }
}
