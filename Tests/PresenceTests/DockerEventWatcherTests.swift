import Logging
import Testing

@testable import Presence

@Suite("Following Docker's events, without a server", .timeLimit(.minutes(1)))
struct DockerEventWatcherTests {
    let source = FakeEventSource()
    let queue = WorkQueue()
    let clock = TestClock()

    static func event(_ action: String, id: String = "abc", timeNano: Int64 = 1_700_000_000_123_456_789) -> String {
        #"{"Type":"container","Action":"\#(action)","Actor":{"ID":"\#(id)","Attributes":{"name":"web"}},"#
            + #""time":\#(timeNano / 1_000_000_000),"timeNano":\#(timeNano)}"# + "\n"
    }

    /// Runs a watcher over the fake source while `body` runs, then cancels it.
    func following(silenceBound: Duration = .seconds(60), _ body: @Sendable () async throws -> Void) async throws {
        let watcher = DockerEventWatcher(
            docker: source, selection: try ContainerSelection(all: true), queue: queue,
            heartbeat: DockerHeartbeat(clock: clock),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            silenceBound: silenceBound, clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await body()
            group.cancelAll()
        }
    }

    /// Waits until the watcher makes `request` of the source.
    func awaitRequest(_ request: FakeEventSource.Event) async {
        for await event in source.events where event == request { return }
    }

    /// The work queued from now until `isComplete` holds for all of it together.
    func queuedWork(until isComplete: @Sendable (WorkQueue.Work) -> Bool) async -> WorkQueue.Work {
        var queued = WorkQueue.Work()
        for await _ in queue.signals {
            let work = queue.take()
            queued.containers.formUnion(work.containers)
            queued.ifRegistered.formUnion(work.ifRegistered)
            queued.notServing.formUnion(work.notServing)
            queued.resync = queued.resync || work.resync
            if isComplete(queued) { break }
        }
        return queued
    }

    @Test func anEventQueuesItsContainer() async throws {
        try await following {
            await awaitRequest(.opened(since: nil))
            let first = await queuedWork { $0.resync }
            #expect(first.resync, "the first stream starts with a resync")
            await source.send(Self.event("start"))
            let work = await queuedWork { !$0.containers.isEmpty }
            #expect(work.containers == ["abc"])
            #expect(!work.resync)
        }
    }

    @Test func aDieQueuesTheContainerAsNotServing() async throws {
        try await following {
            await awaitRequest(.opened(since: nil))
            _ = await queuedWork { $0.resync }
            await source.send(Self.event("die"))
            let work = await queuedWork { !$0.notServing.isEmpty }
            #expect(work.notServing == ["abc"])
            #expect(work.containers.isEmpty, "no inspect is needed")
        }
    }

    @Test func aStreamThatEndsAsksForAResyncAfterReconnecting() async throws {
        try await following {
            await awaitRequest(.opened(since: nil))
            _ = await queuedWork { $0.resync }
            await source.send(Self.event("start"))
            _ = await queuedWork { !$0.containers.isEmpty }
            await source.close()
            await awaitRequest(.forgotVersion)
            for await _ in clock.sleeps { break }
            clock.advance(by: .seconds(5))
            await awaitRequest(.opened(since: "1700000000.123456789"))
            let reconnected = await queuedWork { $0.resync }
            #expect(reconnected.resync)
        }
    }

    @Test func aMalformedChunkAsksForAResync() async throws {
        try await following {
            await awaitRequest(.opened(since: nil))
            _ = await queuedWork { $0.resync }
            await source.send(#"{"Type": 5}"# + "\n" + Self.event("start"))
            let work = await queuedWork { $0.resync && !$0.containers.isEmpty }
            #expect(work.containers == ["abc"], "the stream goes on after what it skipped")
        }
    }

    @Test func aSilentStreamIsReopenedFromTheLastEventWithoutAResync() async throws {
        try await following(silenceBound: .milliseconds(300)) {
            await awaitRequest(.opened(since: nil))
            // At once, before the stream can fall silent: the chunk waits in the body until it is read.
            await source.send(Self.event("start"))
            let first = await queuedWork { $0.resync && !$0.containers.isEmpty }
            #expect(first.containers == ["abc"])
            await awaitRequest(.opened(since: "1700000000.123456789"))
            // Newer than the reopening: nothing was lost meanwhile.
            await source.send(Self.event("start", id: "def", timeNano: 1_700_000_200_000_000_000))
            let work = await queuedWork { $0.containers.contains("def") }
            #expect(!work.resync, "the replay covers the silence")
        }
    }

    /// A stream that fell silent before any event is reopened from its opening, a second before Docker's clock
    /// then (the fake's Docker says 1700000101): what the replay brings from that second came before the first
    /// stream opened, and the resync of that opening covered it.
    @Test func aReplayFromTheOpeningIgnoresWhatCameBeforeIt() async throws {
        try await following(silenceBound: .milliseconds(300)) {
            await awaitRequest(.opened(since: nil))
            _ = await queuedWork { $0.resync }
            await awaitRequest(.opened(since: "1700000100"))
            await source.send(Self.event("start", id: "early", timeNano: 1_700_000_100_500_000_000))
            await source.send(Self.event("start", id: "new", timeNano: 1_700_000_200_000_000_000))
            let work = await queuedWork { $0.containers.contains("new") }
            #expect(!work.containers.contains("early"), "the start's resync saw it")
            #expect(!work.resync, "an event from before the opening proves nothing lost")
        }
    }

    /// A container paused and unpaused in the second before the stream opened: the replay brings both events,
    /// and the container, which never stopped serving while the agent ran, is not deregistered for the pause.
    @Test func aPauseReplayedFromBeforeTheOpeningIsNotActedOn() async throws {
        try await following(silenceBound: .milliseconds(300)) {
            await awaitRequest(.opened(since: nil))
            _ = await queuedWork { $0.resync }
            await awaitRequest(.opened(since: "1700000100"))
            await source.send(Self.event("pause", id: "web", timeNano: 1_700_000_100_200_000_000))
            await source.send(Self.event("unpause", id: "web", timeNano: 1_700_000_100_300_000_000))
            await source.send(Self.event("start", id: "new", timeNano: 1_700_000_200_000_000_000))
            let work = await queuedWork { $0.containers.contains("new") }
            #expect(work.notServing.isEmpty, "\(work)")
            #expect(!work.containers.contains("web") && !work.ifRegistered.contains("web"), "the start saw it")
        }
    }

    /// A pause that the silent stream missed is replayed: by now the container may be unpaused, so it is
    /// inspected rather than deregistered on the event's word.
    @Test func aReplayedPauseIsInspected() async throws {
        try await following(silenceBound: .milliseconds(300)) {
            await awaitRequest(.opened(since: nil))
            await source.send(Self.event("start"))
            _ = await queuedWork { $0.resync && !$0.containers.isEmpty }
            await awaitRequest(.opened(since: "1700000000.123456789"))
            await source.send(Self.event("pause", timeNano: 1_700_000_050_000_000_000))
            let work = await queuedWork { $0.ifRegistered.contains("abc") }
            #expect(work.notServing.isEmpty)
            #expect(work.resync, "the replay does not begin with the event it resumed from")
            await source.send(Self.event("pause", timeNano: 1_700_000_200_000_000_000))
            let live = await queuedWork { !$0.notServing.isEmpty }
            #expect(live.notServing == ["abc"], "past the replay, a pause is acted on at once")
        }
    }

    /// The same replay with an event after the first stream opened, which that stream never delivered: it was
    /// dead, and Docker may have dropped more than it replays.
    @Test func aReplayFromTheOpeningWithAnEventTheStreamMissedResyncs() async throws {
        try await following(silenceBound: .milliseconds(300)) {
            await awaitRequest(.opened(since: nil))
            _ = await queuedWork { $0.resync }
            await awaitRequest(.opened(since: "1700000100"))
            await source.send(Self.event("start", id: "missed", timeNano: 1_700_000_101_500_000_000))
            let work = await queuedWork { $0.resync && $0.containers.contains("missed") }
            #expect(work.resync)
        }
    }
}
