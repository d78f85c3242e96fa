/// One message of Docker's event stream, reduced to what can change a registration.
public struct DockerEvent: Sendable, Equatable, Decodable {
    public var type: String
    public var action: String
    public var actorID: String
    public var attributes: [String: String]
    /// When it happened, in nanoseconds since 1970.
    public var timeNano: Int64

    public init(type: String, action: String, actorID: String, attributes: [String: String] = [:], timeNano: Int64) {
        self.type = type
        self.action = action
        self.actorID = actorID
        self.attributes = attributes
        self.timeNano = timeNano
    }

    private struct Actor: Decodable {
        var id: String?
        var attributes: [String: String]?
        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case attributes = "Attributes"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case action = "Action"
        case actor = "Actor"
        case time, timeNano
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        action = try container.decode(String.self, forKey: .action)
        let actor = try container.decodeIfPresent(Actor.self, forKey: .actor)
        actorID = actor?.id ?? ""
        attributes = actor?.attributes ?? [:]
        if let nano = try container.decodeIfPresent(Int64.self, forKey: .timeNano) {
            timeNano = nano
        } else {
            timeNano = (try container.decodeIfPresent(Int64.self, forKey: .time) ?? 0) * 1_000_000_000
        }
    }

    /// Container actions after which a container's registration may differ. `kill`, `stop` and `oom` are not
    /// among them: a `die` follows whenever they end the container, and an inspect sent on them would wait
    /// for Docker to finish stopping it, holding up every event behind it.
    static let containerActions: Set<String> = [
        "start", "restart", "die", "pause", "unpause", "rename", "destroy", "health_status",
    ]

    /// The container whose registration this event may change, or `nil` for an event that changes none.
    public var affectedContainer: String? {
        switch type {
        case "container":
            // health_status carries the new state after a colon: "health_status: healthy".
            let verb = action.split(separator: ":").first.map(String.init) ?? action
            return DockerEvent.containerActions.contains(verb) && !actorID.isEmpty ? actorID : nil
        case "network":
            guard action == "connect" || action == "disconnect" else { return nil }
            return attributes["container"].flatMap { $0.isEmpty ? nil : $0 }
        default:
            return nil
        }
    }

    /// True when the event alone proves the container no longer serves (it died, was paused or destroyed):
    /// its keys can go at once, without waiting for an inspect that Docker answers only once the stop is over.
    public var provesNotServing: Bool {
        type == "container" && ["die", "pause", "destroy"].contains(action)
    }

    /// Attributes that Docker writes over a container's labels of the same key in every container event: the
    /// container's own name and image (moby's `LogContainerEventWithAttributes`). A label with one of these keys
    /// cannot be read from an event.
    static let overwrittenAttributes: Set<String> = ["name", "image"]

    /// Whether the container this event names may be selected, judged from the event alone: container events
    /// carry the container's name and labels, so most events of unselected containers cost no inspect.
    /// Events that do not carry them (network events) may still matter to a container the agent knows. When the
    /// selection needs a label that the event cannot show, the answer is yes: the inspect decides.
    public func mightSelect(_ selection: ContainerSelection) -> Bool {
        guard type == "container" else { return false }
        guard let name = attributes["name"] else { return true }
        if selection.labels.contains(where: { DockerEvent.overwrittenAttributes.contains($0.key) }) { return true }
        // A rename's attributes carry the new name; the old one may have been the selected one.
        if let oldName = attributes["oldName"],
            selection.selects(name: oldName.trimmingCharacters(in: "/"), labels: attributes)
        {
            return true
        }
        return selection.selects(name: name, labels: attributes)
    }

    /// Docker's `since` parameter for resuming right after this event: seconds with nanoseconds.
    public var resumeToken: String {
        let seconds = timeNano / 1_000_000_000
        let nanos = timeNano % 1_000_000_000
        let fraction = String(nanos)
        return "\(seconds).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }
}
