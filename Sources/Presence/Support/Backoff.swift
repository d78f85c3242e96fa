/// Delays between retries after a failure: doubling from `initial`, never above `maximum`.
///
/// `next()` takes up to `jitter` of each delay off at random: agents that lost one etcd cluster at the same
/// moment then come back spread over the time between two retries, not all in the same millisecond.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// The largest fraction of a delay that `next()` takes off, from 0 (none) to 1.
    public let jitter: Double
    private var failures = 0

    public init(initial: Duration = .milliseconds(250), maximum: Duration, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before the next retry; each call doubles it up to the maximum, less the jitter.
    public mutating func next() -> Duration {
        defer { failures += 1 }
        let delay = delay(afterFailures: failures + 1)
        guard jitter > 0 else { return delay }
        return delay * (1 - jitter * Double.random(in: 0..<1))
    }

    /// The delay after `failures` failures in a row (at least one), without jitter: for callers that keep the
    /// count themselves and must know the moment exactly.
    public func delay(afterFailures failures: Int) -> Duration {
        min(initial * (1 << min(max(failures - 1, 0), 20)), maximum)
    }

    public mutating func reset() {
        failures = 0
    }
}
