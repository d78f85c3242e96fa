/// The rule of a loop that retries until a server answers: the first failure of a kind is worth a warning, its
/// repeats during one outage would only be noise, and the first success after failures is worth a note.
///
/// It remembers the last failure and the backoff between retries; the loop logs and waits as it sees fit.
struct FailureStreak: Sendable {
    private var backoff: Backoff
    private var lastFailure: String?

    init(backoff: Backoff) {
        self.backoff = backoff
    }

    /// Records a failure. `isNew` when it differs from the one before (the one to tell loudly); `delay` is how
    /// long to wait before the next try, longer with each failure in a row.
    mutating func failed(_ message: String) -> (isNew: Bool, delay: Duration) {
        defer { lastFailure = message }
        return (message != lastFailure, backoff.next())
    }

    /// The wait before a retry that is not a failure of its own (it was told already, or needs no telling): it
    /// lengthens the backoff but leaves the last failure as it was.
    mutating func retryDelay() -> Duration {
        backoff.next()
    }

    /// Records a success: true when it ends a streak of failures (the moment to say things answer again). The
    /// next failure is new and waits the shortest delay.
    mutating func recovered() -> Bool {
        defer {
            lastFailure = nil
            backoff.reset()
        }
        return lastFailure != nil
    }
}
