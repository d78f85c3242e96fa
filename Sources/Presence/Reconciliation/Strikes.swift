/// Tells a failure about one container from one about everything: a server that did not answer once may have
/// failed that container's request alone, but twice in a row it is down, and the pass stops rather than wait
/// out a deadline per container.
struct Strikes {
    private var unanswered = 0

    mutating func succeeded() { unanswered = 0 }

    /// Rethrows `error` when it ends the pass; otherwise counts it and returns, for the caller to file it under
    /// the container.
    mutating func failed(_ error: any Error) throws {
        if error is CancellationError { throw error }
        guard let error = error as? PresenceError else { return }
        switch error.code {
        case .leaseLost:
            throw error
        case .dockerUnreachable, .etcdUnreachable:
            unanswered += 1
            if unanswered >= 2 { throw error }
        default:
            unanswered = 0
        }
    }
}
