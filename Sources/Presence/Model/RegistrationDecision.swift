/// What the agent should do with one container, decided from Docker's view of it alone.
public enum RegistrationDecision: Sendable, Equatable {
    /// Hold these ports under `name`.
    case register(name: String, ports: [PublishedPort])
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
        var ports = PublishedPort.from(snapshot.bindings, defaultHost: hostIP)
        if let label = snapshot.labels[ContainerLabels.ports] {
            guard let wanted = ContainerLabels.parsePorts(label) else {
                return .refuse(
                    warning: "label \(ContainerLabels.ports)='\(label)' is not like 80,443/udp; not registering it")
            }
            ports = ports.filter { wanted.contains("\($0.containerPort)/\($0.transport)") }
        }
        return .register(name: name, ports: ports)
    }
}
