/// What the event stream yields: an event, or a note that something unreadable was skipped.
public enum DockerEventMessage: Sendable, Equatable {
    case event(DockerEvent)
    case malformed(String)
}
