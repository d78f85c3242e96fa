import Synchronization

/// Counts the exactness checker's range reads, so the sampler can take them out of the cluster's requests:
/// the figures are the agents' load, not the measurement's.
final class CheckerReads: Sendable {
    private let count = Mutex(0)

    func add() { count.withLock { $0 += 1 } }

    /// The reads since the last call.
    func take() -> Int {
        count.withLock { value in
            defer { value = 0 }
            return value
        }
    }
}
