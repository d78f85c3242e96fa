import Synchronization

/// The bound learnt so far, shared by every watch a source opens: a reconnected watch keeps what was learnt.
final class LearntWatchSilenceBound: Sendable {
    private let value = Mutex(WatchSilenceBound())

    var bound: Duration { value.withLock { $0.bound } }

    func progress(after wait: Duration) {
        value.withLock { $0.progress(after: wait) }
    }
}
