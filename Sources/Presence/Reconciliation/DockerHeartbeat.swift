import Synchronization

/// When the agent last heard from Docker: an event, or a call that succeeded.
///
/// Keys are only kept alive while this is recent, so they never outlive the evidence that their containers run.
public final class DockerHeartbeat: Sendable {
    /// Time on the given clock since this heartbeat was made: a plain `Duration`, whatever the clock's instants.
    private let elapsed: @Sendable () -> Duration
    private let last: Mutex<Duration>

    /// - Parameter clock: what tells time; a test's own clock makes silence pass without waiting.
    public init(clock: some Clock<Duration> = ContinuousClock()) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        last = Mutex(.zero)
    }

    public func beat() {
        let now = elapsed()
        last.withLock { $0 = now }
    }

    /// How long ago Docker was last heard from.
    public var silence: Duration {
        elapsed() - last.withLock { $0 }
    }
}
