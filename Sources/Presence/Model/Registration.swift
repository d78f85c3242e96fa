/// What is registered for one container: the name its keys are under and the keys themselves.
public struct Registration: Sendable, Equatable {
    /// The name its keys are under (its container name, or its `presence.name` label).
    public var name: String
    public var keys: [String: String]
    /// The ports, as `80/tcp=172.17.0.1:8080`: for logs.
    public var ports: [String]

    public init(name: String, keys: [String: String], ports: [String] = []) {
        self.name = name
        self.keys = keys
        self.ports = ports
    }
}
