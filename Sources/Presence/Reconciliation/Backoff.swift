/// Delays between retries after a failure: doubling from `initial`, never above `maximum`.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var failures = 0

    public init(initial: Duration = .milliseconds(250), maximum: Duration) {
        self.initial = initial
        self.maximum = max(maximum, initial)
    }

    /// The delay before the next retry; each call doubles it up to the maximum.
    public mutating func next() -> Duration {
        let delay = min(initial * (1 << min(failures, 20)), maximum)
        failures += 1
        return delay
    }

    public mutating func reset() {
        failures = 0
    }
}
