import Testing

@testable import Presence

@Suite struct BackoffTests {
    @Test func doublesUpToTheMaximumAndResets() {
        var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(1), jitter: 0)
        #expect(
            [backoff.next(), backoff.next(), backoff.next(), backoff.next()]
                == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(1)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(250))
    }

    @Test func jitterTakesUpToItsShareOffEachDelay() {
        var delays: [Duration] = []
        for _ in 0..<200 {
            var backoff = Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0.5)
            _ = backoff.next()
            delays.append(backoff.next())
        }
        #expect(delays.allSatisfy { $0 > .milliseconds(1000) && $0 <= .seconds(2) }, "the second delay, 2 s less up to half")
        #expect(Set(delays).count > 100, "spread, not one value")
    }
}
