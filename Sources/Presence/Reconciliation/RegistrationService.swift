import Logging
import ServiceLifecycle

/// Runs the reconciler: the work the event stream queues, a keep-alive every interval and a full resync every
/// resync period; on graceful shutdown, the removal of every key, bounded by the shutdown timeout.
///
/// All reconciler work goes through one worker, so passes never interleave.
public struct RegistrationService: Service {
    private let reconciler: Reconciler
    private let queue: WorkQueue
    private let interval: Duration
    private let resyncPeriod: Duration
    private let shutdownTimeout: Duration
    private let ttl: Int
    private let logger: Logger
    private let metrics: PresenceMetrics
    private let readiness: Readiness?

    public init(
        reconciler: Reconciler, queue: WorkQueue, interval: Duration, resyncPeriod: Duration,
        shutdownTimeout: Duration, ttl: Int, logger: Logger, metrics: PresenceMetrics = .disabled,
        readiness: Readiness? = nil
    ) {
        self.reconciler = reconciler
        self.queue = queue
        self.interval = interval
        self.resyncPeriod = resyncPeriod
        self.shutdownTimeout = shutdownTimeout
        self.ttl = ttl
        self.logger = logger
        self.metrics = metrics
        self.readiness = readiness
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await every(interval) { queue.requestKeepAlive() } }
                group.addTask { await every(resyncPeriod) { queue.requestResync() } }
                group.addTask { await wakeForRetries() }
                group.addTask { await work() }
                await group.next()
                group.cancelAll()
            }
        }
        try await deregister()
    }

    private func work() async {
        var backoff = Backoff(maximum: min(.seconds(5), interval))
        var lastFailure: String?
        for await _ in queue.signals {
            let work = queue.take()
            do {
                if !work.notServing.isEmpty { try await reconciler.deregister(work.notServing) }
                if work.keepAlive { try await reconciler.keepAlive() }
                let keepAliveDue: @Sendable () -> Bool = { queue.takeKeepAlive() }
                if work.resync {
                    try await reconciler.resync(keepAliveDue: keepAliveDue)
                } else if !work.containers.isEmpty || !work.ifRegistered.isEmpty {
                    try await reconciler.reconcile(
                        work.containers, ifKnown: work.ifRegistered, keepAliveDue: keepAliveDue)
                }
                if work.retries { try await reconciler.retryDue(keepAliveDue: keepAliveDue) }
                if work.keepAlive || work.resync {
                    metrics.synced()
                    readiness?.synced()
                }
                if lastFailure != nil { logger.notice("Docker and etcd answer again; registrations are up to date") }
                lastFailure = nil
                backoff.reset()
            } catch {
                if Task.isCancelled { return }
                let message = String(describing: error)
                // The first failure of a kind is a warning; its repeats during one outage would only be noise.
                let container = (error as? PresenceError)?.container
                logger.log(
                    level: message == lastFailure ? .debug : .warning, "\(message); retrying",
                    metadata: container.map { ["container": "\($0)"] })
                lastFailure = message
                try? await Task.sleep(for: backoff.next())
                // A keep-alive that failed is tried again at once, not an interval later: one lost renewal must
                // never let the lease expire. A resync covers whatever a failed pass was doing.
                if await reconciler.owesKeepAlive { queue.requestKeepAlive() }
                if !work.keepAlive || !work.containers.isEmpty || work.resync || !work.notServing.isEmpty {
                    queue.requestResync()
                }
            }
            queue.scheduleRetries(at: await reconciler.nextRetry)
        }
    }

    /// Wakes the worker when a failed container's backoff is over. While a retry is pending it looks at the
    /// deadline at least every quarter second (a later failure may set an earlier one); otherwise it sleeps.
    private func wakeForRetries() async {
        for await _ in queue.retryScheduled {
            while let deadline = queue.nextRetry {
                if deadline <= .now {
                    queue.requestRetries()
                    break
                }
                do { try await Task.sleep(until: min(deadline, .now + .milliseconds(250))) } catch { return }
            }
        }
    }

    private func deregister() async throws {
        let deadline = ContinuousClock.now + shutdownTimeout
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                try await withDeadline(deadline) { try await self.reconciler.deregisterAll() }
                logger.info("all keys removed from etcd")
                return
            } catch {
                lastError = error
                try? await Task.sleep(for: min(.milliseconds(200), deadline - .now))
            }
        }
        throw PresenceError(
            .shutdownIncomplete,
            "could not remove the keys from etcd within \(shutdownTimeout.seconds) s"
                + (lastError.map { " (\($0))" } ?? "") + "; they expire within the TTL of \(ttl) s")
    }
}

/// Calls `action` every `period` until the task is cancelled.
func every(_ period: Duration, _ action: () -> Void) async {
    while !Task.isCancelled {
        do { try await Task.sleep(for: period) } catch { return }
        action()
    }
}

/// Runs `operation`, cancelling it if it has not finished by `deadline`.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await Task.sleep(until: deadline)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw CancellationError()
        }
        return value
    }
}
