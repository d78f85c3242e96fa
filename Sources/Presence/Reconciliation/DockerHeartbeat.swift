import Synchronization

/// When the agent last heard from Docker: an event, or a call that succeeded.
///
/// Keys are only kept alive while this is recent, so they never outlive the evidence that their containers run.
public final class DockerHeartbeat: Sendable {
    private let last: Mutex<ContinuousClock.Instant>

    public init() {
        last = Mutex(.now)
    }

    public func beat() {
        last.withLock { $0 = .now }
    }

    /// How long ago Docker was last heard from.
    public var silence: Duration {
        .now - last.withLock { $0 }
    }
}
