import Testing

@testable import Presence

/// What the events Docker replays after a silent stream was reopened tell.
@Suite("The replay after a silence")
struct SilenceReplayTests {
    static func event(at timeNano: Int64) -> DockerEvent {
        DockerEvent(type: "container", action: "start", actorID: "abc", timeNano: timeNano)
    }

    /// Reopened from an event: that event comes again, and any other before the reopening proves the silent
    /// stream missed it, once.
    @Test func fromAnEventOnlyAnotherEventBeforeTheReopeningProvesALoss() {
        let last = Self.event(at: 1_700_000_000_123_456_789)
        var replay = SilenceReplay(resumedFrom: last.resumeToken, covered: 0, before: 1_700_000_100_000_000_000)
        #expect(replay.judge(last) == .replayed(resync: false))
        #expect(replay.judge(Self.event(at: 1_700_000_050_000_000_000)) == .replayed(resync: true))
        #expect(replay.judge(Self.event(at: 1_700_000_060_000_000_000)) == .replayed(resync: false), "one resync")
        #expect(replay.judge(Self.event(at: 1_700_000_100_000_000_000)) == .live)
    }

    /// Reopened from the opening (Docker's clock then said 1700000101): the second before it was seen by the
    /// start's resync; after it, the stream should have delivered what comes.
    @Test func fromTheOpeningWhatCameBeforeItWasSeen() {
        var replay = SilenceReplay(
            resumedFrom: "1700000100", covered: 1_700_000_101_000_000_000, before: 1_700_000_200_000_000_000)
        #expect(replay.judge(Self.event(at: 1_700_000_100_999_999_999)) == .seen)
        #expect(replay.judge(Self.event(at: 1_700_000_101_000_000_000)) == .replayed(resync: true))
        #expect(replay.judge(Self.event(at: 1_700_000_200_000_000_001)) == .live)
    }
}
