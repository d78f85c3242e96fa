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
        defer { failures += 1 }
        return delay(afterFailures: failures + 1)
    }

    /// The delay after `failures` failures in a row (at least one): for callers that keep the count themselves.
    public func delay(afterFailures failures: Int) -> Duration {
        min(initial * (1 << min(max(failures - 1, 0), 20)), maximum)
    }

    public mutating func reset() {
        failures = 0
    }
}
