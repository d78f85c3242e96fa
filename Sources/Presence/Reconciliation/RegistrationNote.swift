import Logging

/// A line for the log about one container, handed out once per change of its state, not on every pass.
public struct RegistrationNote: Sendable, Equatable {
    public var container: String
    public var level: Logger.Level
    public var message: String
    /// The registered ports, as `80/tcp=host:port`.
    public var ports: [String]?
    /// The name the keys are under, when it is not the container's own.
    public var name: String?

    public init(
        container: String, level: Logger.Level = .info, message: String, ports: [String]? = nil, name: String? = nil
    ) {
        self.container = container
        self.level = level
        self.message = message
        self.ports = ports
        self.name = name
    }
}
