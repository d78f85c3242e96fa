/// What following Docker's events needs of Docker: `DockerClient`, or a test's stream of its own.
public protocol DockerEventSource: Sendable {
    /// Opens the event stream from `since` (a previous event's resume token) or from now; throws
    /// `StreamSilence` when its head takes longer than `silenceBound`.
    func events(since: String?, silenceBound: Duration) async throws -> DockerEventStream

    /// A `since` for the present on Docker's clock, or nil when Docker does not tell its time.
    func resumeTokenForNow() async throws -> String?

    /// Forgets the API version negotiated, so the next request asks again: the engine may have been replaced.
    func forgetVersion() async
}
