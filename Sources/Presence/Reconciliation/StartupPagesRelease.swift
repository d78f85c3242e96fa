import ServiceLifecycle

/// Unmaps the pages of the executable only the start used (`StartupPages`), once the start is well over, then
/// waits for the shutdown like the other services.
struct StartupPagesRelease: Service {
    /// Long enough for the first resync of a full host and the metrics endpoint's start.
    var after: Duration = .seconds(10)

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: after) }
        if !Task.isCancelled && !Task.isShuttingDownGracefully { StartupPages.release() }
        try? await gracefulShutdown()
    }
}
