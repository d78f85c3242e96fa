import Synchronization

/// The time a reconciler under test reads: it stands still until the test moves it, so a retry's backoff is
/// over when the test says so, without sleeping.
final class ManualTime: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    var now: ContinuousClock.Instant { instant.withLock { $0 } }

    /// Moves the time on to `deadline`, if it is later than now.
    func advance(to deadline: ContinuousClock.Instant) {
        instant.withLock { $0 = max($0, deadline) }
    }
}
