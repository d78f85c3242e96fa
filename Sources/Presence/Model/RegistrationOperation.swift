/// What the agent does about one container's registration: ask Docker about it, write its keys, remove them.
public enum RegistrationOperation: String, Sendable {
    case inspect, write, remove
}
