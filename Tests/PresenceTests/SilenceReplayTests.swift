import Testing

@testable import Presence

/// What the events Docker replays after a silent stream was reopened tell.
@Suite("The replay after a silence")
struct SilenceReplayTests {
    static func event(at timeNano: Int64) -> DockerEvent {
        DockerEvent(type: "container", action: "start", actorID: "abc", timeNano: timeNano)
    }

    /// Reopened from an event that comes again first: the replay reaches back to it, so what the silent stream
    /// missed is all in it, and no resync is needed.
    @Test func aReplayThatReachesBackToItsEventIsWhole() {
        let last = Self.event(at: 1_700_000_000_123_456_789)
        var replay = SilenceReplay(resumedFrom: last.resumeToken, before: 1_700_000_100_000_000_000)
        #expect(replay.judge(last) == .replayed(resync: false))
        #expect(replay.judge(Self.event(at: 1_700_000_050_000_000_000)) == .replayed(resync: false))
        #expect(replay.judge(Self.event(at: 1_700_000_100_000_000_000)) == .live)
    }

    /// Reopened from an event Docker no longer holds (256 came after it): the replay's head may be lost, so
    /// its first event asks for a resync, once.
    @Test func aReplayThatStartsPastItsEventAsksForAResync() {
        let last = Self.event(at: 1_700_000_000_123_456_789)
        var replay = SilenceReplay(resumedFrom: last.resumeToken, before: 1_700_000_100_000_000_000)
        #expect(replay.judge(Self.event(at: 1_700_000_050_000_000_000)) == .replayed(resync: true))
        #expect(replay.judge(Self.event(at: 1_700_000_060_000_000_000)) == .replayed(resync: false))
    }

    /// Reopened from the opening (Docker's clock then said 1700000101): the second before it was seen by the
    /// start's resync, and a replay that reaches into it is whole.
    @Test func fromTheOpeningWhatCameBeforeItWasSeen() {
        var replay = SilenceReplay(resumedFrom: "1700000100", before: 1_700_000_200_000_000_000)
        #expect(replay.judge(Self.event(at: 1_700_000_100_999_999_999)) == .seen)
        #expect(replay.judge(Self.event(at: 1_700_000_101_000_000_000)) == .replayed(resync: false))
        #expect(replay.judge(Self.event(at: 1_700_000_200_000_000_001)) == .live)
    }

    /// From the opening with nothing in the second before it: whether the replay lost its head cannot be told.
    @Test func fromTheOpeningWithNothingBeforeItAsksForAResync() {
        var replay = SilenceReplay(resumedFrom: "1700000100", before: 1_700_000_200_000_000_000)
        #expect(replay.judge(Self.event(at: 1_700_000_101_500_000_000)) == .replayed(resync: true))
    }
}
