import ServiceLifecycle

/// Unmaps the pages of the executable only the start used (`StartupPages`), once the start is over: a little
/// after the first pass over Docker and etcd went through, or at `latest` if it has not (Docker or etcd down,
/// say: their retries need no more of the start's code). Then waits for the shutdown like the other services.
struct StartupPagesRelease: Service {
    let readiness: Readiness
    /// After the first pass: the metrics endpoint's start and the first events of a busy host.
    var settle: Duration = .seconds(2)
    var latest: Duration = .seconds(10)

    func run() async throws {
        let deadline = ContinuousClock.now + latest
        try? await cancelWhenGracefulShutdown {
            while !readiness.hasSynced && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            try await Task.sleep(for: min(settle, max(deadline - .now, .zero)))
        }
        if !Task.isCancelled && !Task.isShuttingDownGracefully { StartupPages.release() }
        try? await gracefulShutdown()
    }
}
