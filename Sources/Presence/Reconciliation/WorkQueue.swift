import Synchronization

/// What the reconciler has been asked to do and has not done yet, coalesced: an event burst naming the same
/// container a hundred times costs one inspect.
public final class WorkQueue: Sendable {
    public struct Work: Sendable, Equatable {
        /// Container ids whose registration may have changed.
        public var containers: Set<String> = []
        /// Container ids that matter only if the agent knows them (registered, contending for a name, or failing):
        /// events whose attributes do not select them.
        public var ifRegistered: Set<String> = []
        /// Container ids whose events prove they no longer serve: deregistered without an inspect, before the
        /// others are looked at (a later start in the same batch is in `containers` and registers it again).
        public var notServing: Set<String> = []
        /// List every container and compare with what is registered.
        public var resync = false
        /// Refresh the TTL of what is registered.
        public var keepAlive = false
        /// Try again the containers whose backoff after a failure is over.
        public var retries = false

        public var isEmpty: Bool {
            containers.isEmpty && ifRegistered.isEmpty && notServing.isEmpty && !resync && !keepAlive && !retries
        }
    }

    private let pending = Mutex(Work())
    /// When the earliest failed container is due again; the retry timer wakes the worker then.
    private let retryDeadline = Mutex<ContinuousClock.Instant?>(nil)
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let retryStream: AsyncStream<Void>
    private let retryContinuation: AsyncStream<Void>.Continuation

    public init() {
        // One buffered signal is enough: the consumer takes everything pending when it wakes.
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (retryStream, retryContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a container; with `onlyIfRegistered`, the reconciler looks at it only if it holds keys for it.
    public func add(container id: String, onlyIfRegistered: Bool = false) {
        pending.withLock {
            if onlyIfRegistered {
                $0.ifRegistered.insert(id)
            } else {
                $0.containers.insert(id)
            }
        }
        continuation.yield()
    }

    /// Queues a container whose event proves it no longer serves.
    public func add(notServing id: String) {
        pending.withLock { _ = $0.notServing.insert(id) }
        continuation.yield()
    }

    /// Takes a pending keep-alive request, so a long pass can serve it between containers.
    public func takeKeepAlive() -> Bool {
        pending.withLock { work in
            defer { work.keepAlive = false }
            return work.keepAlive
        }
    }

    public func requestResync() {
        pending.withLock { $0.resync = true }
        continuation.yield()
    }

    public func requestKeepAlive() {
        pending.withLock { $0.keepAlive = true }
        continuation.yield()
    }

    /// Asks for the due retries to be tried at `deadline` (nil: none pending).
    public func scheduleRetries(at deadline: ContinuousClock.Instant?) {
        retryDeadline.withLock { $0 = deadline }
        if deadline != nil { retryContinuation.yield() }
    }

    /// Wakes once whenever a retry deadline is set; ends when the consuming task is cancelled.
    public var retryScheduled: AsyncStream<Void> { retryStream }

    /// The moment the retry timer should wake the worker, if any retry is pending.
    public var nextRetry: ContinuousClock.Instant? { retryDeadline.withLock { $0 } }

    /// Wakes the worker for the retries that are due, and clears the deadline until the worker sets the next.
    public func requestRetries() {
        retryDeadline.withLock { $0 = nil }
        pending.withLock { $0.retries = true }
        continuation.yield()
    }

    /// Takes everything pending, leaving the queue empty.
    public func take() -> Work {
        pending.withLock {
            let work = $0
            $0 = Work()
            return work
        }
    }

    /// Wakes once per batch of requests; ends when the consuming task is cancelled.
    public var signals: AsyncStream<Void> { stream }
}
