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
    private let clock: any Clock<Duration>

    /// - Parameter clock: what the keep-alive interval, the resync period, the backoff after a failure and the
    ///   shutdown timeout wait on.
    public init(
        reconciler: Reconciler, queue: WorkQueue, interval: Duration, resyncPeriod: Duration,
        shutdownTimeout: Duration, ttl: Int, logger: Logger, metrics: PresenceMetrics = .disabled,
        readiness: Readiness? = nil, clock: any Clock<Duration> = ContinuousClock()
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
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                // The first of each comes at a random moment of the second half of its period, so that agents
                // started together (a fleet's hosts after a power cut) do not keep alive and resync in step.
                group.addTask {
                    await every(interval, on: clock, firstAfter: interval * .random(in: 0.5...1)) {
                        queue.requestKeepAlive()
                    }
                }
                group.addTask {
                    await every(resyncPeriod, on: clock, firstAfter: resyncPeriod * .random(in: 0.5...1)) {
                        queue.requestResync()
                    }
                }
                group.addTask { await wakeForRetries() }
                group.addTask { await work() }
                await group.next()
                group.cancelAll()
            }
        }
        try await deregister()
    }

    private func work() async {
        var failures = FailureStreak(backoff: Backoff(maximum: min(.seconds(5), interval)))
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
                if failures.recovered() { logger.notice("Docker and etcd answer again; registrations are up to date") }
            } catch {
                if Task.isCancelled { return }
                let message = String(describing: error)
                let failure = failures.failed(message)
                let container = (error as? PresenceError)?.container
                logger.log(
                    level: failure.isNew ? .warning : .debug, "\(message); retrying",
                    metadata: container.map { ["container": "\($0)"] })
                try? await clock.sleep(for: failure.delay)
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
        try await deregister(on: clock)
    }

    /// Generic over the clock so that the deadline is an instant of the injected clock: a test moves it on.
    private func deregister<C: Clock<Duration>>(on clock: C) async throws {
        let deadline = clock.now.advanced(by: shutdownTimeout)
        var lastError: (any Error)?
        while clock.now < deadline {
            do {
                let removed: Void? = try await result(
                    of: { try await self.reconciler.deregisterAll() }, before: deadline, on: clock)
                // Nil when the deadline came first: the removal was cancelled.
                guard removed != nil else { throw CancellationError() }
                logger.info("all keys removed from etcd")
                return
            } catch {
                lastError = error
                try? await clock.sleep(for: min(.milliseconds(200), clock.now.duration(to: deadline)))
            }
        }
        throw PresenceError(
            .shutdownIncomplete,
            "could not remove the keys from etcd within \(shutdownTimeout.seconds) s"
                + (lastError.map { " (\($0))" } ?? "") + "; they expire within the TTL of \(ttl) s")
    }
}
