import Testing

@testable import Presence

@Suite("Warn once per failure, back off")
struct FailureStreakTests {
    static func streak() -> FailureStreak {
        FailureStreak(backoff: Backoff(initial: .milliseconds(250), maximum: .seconds(1), jitter: 0))
    }

    @Test func theFirstFailureOfAKindIsNewItsRepeatsAreNot() {
        var failures = Self.streak()
        let outcomes = [
            failures.failed("etcd is down"), failures.failed("etcd is down"), failures.failed("Docker is down"),
            failures.failed("Docker is down"),
        ]
        #expect(outcomes.map(\.isNew) == [true, false, true, false], "another failure is news")
        #expect(
            outcomes.map(\.delay) == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(1)],
            "the wait grows on through a change of failure, never above the maximum")
    }

    @Test func aSuccessEndsTheStreakOnce() {
        var failures = Self.streak()
        let before = failures.recovered()
        #expect(!before, "nothing to tell before any failure")
        _ = failures.failed("etcd is down")
        _ = failures.failed("etcd is down")
        let first = failures.recovered()
        let second = failures.recovered()
        #expect(first && !second, "told once")
        let afresh = failures.failed("etcd is down")
        #expect(afresh.isNew && afresh.delay == .milliseconds(250), "a new outage starts afresh")
    }

    @Test func aRetryWithoutAFailureLengthensTheWaitOnly() {
        var failures = Self.streak()
        _ = failures.failed("etcd is down")
        let retry = failures.retryDelay()
        let again = failures.failed("etcd is down")
        #expect(retry == .milliseconds(500))
        #expect(!again.isNew && again.delay == .seconds(1), "the failure before is still the last")
    }

    @Test func aRetryAloneIsNoStreak() {
        var failures = Self.streak()
        _ = failures.retryDelay()
        let recovered = failures.recovered()
        #expect(!recovered)
    }
}
