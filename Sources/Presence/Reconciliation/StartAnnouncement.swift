import ServiceLifecycle

/// Says at start what the agent runs with and what the operator should hear of, from within the service
/// group: by then the group handles SIGTERM and SIGINT, so once this is logged a signal always stops the agent
/// cleanly (a supervisor, or a test, that signals as soon as it reads the line never kills it mid-start).
/// Then waits for the shutdown like the other services.
struct StartAnnouncement: Service {
    let announce: @Sendable () -> Void

    func run() async throws {
        announce()
        try? await gracefulShutdown()
    }
}
