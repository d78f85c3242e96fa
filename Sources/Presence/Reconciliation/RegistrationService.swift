import Logging
import ServiceLifecycle

/// The long-running loop: a pass of the reconciler every interval (sooner after a failure), and on graceful
/// shutdown the removal of every key, bounded by the shutdown timeout.
public struct RegistrationService: Service {
    private let reconciler: Reconciler
    private let interval: Duration
    private let shutdownTimeout: Duration
    private let ttl: Int
    private let logger: Logger

    public init(reconciler: Reconciler, interval: Duration, shutdownTimeout: Duration, ttl: Int, logger: Logger) {
        self.reconciler = reconciler
        self.interval = interval
        self.shutdownTimeout = shutdownTimeout
        self.ttl = ttl
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.syncUntilCancelled() }
        try await deregister()
    }

    private func syncUntilCancelled() async {
        var backoff = Backoff(maximum: min(.seconds(5), interval))
        var lastFailure: String?
        while !Task.isCancelled {
            let delay: Duration
            do {
                try await reconciler.sync()
                if lastFailure != nil { logger.notice("Docker and etcd answer again; registrations are up to date") }
                lastFailure = nil
                backoff.reset()
                delay = interval
            } catch {
                if Task.isCancelled { return }
                let message = String(describing: error)
                // The first failure of a kind is a warning; its repeats during one outage would only be noise.
                logger.log(level: message == lastFailure ? .debug : .warning, "\(message); retrying")
                lastFailure = message
                delay = backoff.next()
            }
            try? await Task.sleep(for: delay)
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
