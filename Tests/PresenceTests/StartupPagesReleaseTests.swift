import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing

@testable import Presence

/// When the start's pages are dropped: after the first pass, and again after the next, on the service's clock.
@Suite("Releasing the start's pages", .timeLimit(.minutes(1)))
struct StartupPagesReleaseTests {
    let clock = TestClock()
    let readiness = Readiness()
    let releases = Count()
    /// The releases that also dropped the executable from the page cache.
    let evictions = Count()
    let trims = Count()

    /// How many releases, or trims of the heap, the service made.
    final class Count: Sendable {
        private let count = Mutex(0)
        func record() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    func service() -> StartupPagesRelease {
        let releases = releases
        let evictions = evictions
        let trims = trims
        return StartupPagesRelease(
            readiness: readiness, interval: .seconds(5), clock: clock,
            release: { fromPageCache in
                releases.record()
                if fromPageCache { evictions.record() }
            },
            trimHeap: { trims.record() })
    }

    /// Runs the service while `body` drives its clock, then shuts it down.
    func running(_ body: (inout AsyncStream<TestClock.Instant>.Iterator) async throws -> Void) async throws {
        let service = service()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                var sleeps = clock.sleeps.makeAsyncIterator()
                group.addTask { try await service.run() }
                try await body(&sleeps)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test func releasesAfterTheFirstPassAndAgainAfterTheNext() async throws {
        readiness.synced()
        try await running { sleeps in
            _ = await sleeps.next()
            #expect(releases.value == 0, "not before the first pass has settled")
            clock.advance(by: .seconds(2))
            // Polling for the next pass: the first release is done.
            _ = await sleeps.next()
            #expect(releases.value == 1)
            #expect(evictions.value == 1, "the first release drops the executable from the page cache")
            readiness.synced()
            clock.advance(by: .seconds(1))
            _ = await sleeps.next()
            #expect(releases.value == 1, "not before the keep-alive's answer is handled")
            clock.advance(by: .milliseconds(500))
            while releases.value < 2 { await Task.yield() }
        }
        #expect(releases.value == 2)
        #expect(evictions.value == 1, "the cache holds only what ran since the first")
    }

    /// Docker or etcd down: the start's pages go at `latest` all the same, and once, with no pass to wait for.
    @Test func withoutAPassTheyGoAtTheLatestOnce() async throws {
        try await running { sleeps in
            // 10 s of polls every 200 ms, then 7 s (the interval and the settle) of polls every second.
            for _ in 0..<(50 + 7) {
                _ = await sleeps.next()
                #expect(releases.value <= 1)
                clock.advance(by: .seconds(1))
            }
            while releases.value < 1 { await Task.yield() }
        }
        #expect(releases.value == 1)
        #expect(evictions.value == 1)
    }

    /// After the start's pages, the heap is trimmed once an interval, and not before.
    @Test func theHeapIsTrimmedOnceAnIntervalAfterTheStart() async throws {
        readiness.synced()
        try await running { sleeps in
            _ = await sleeps.next()
            clock.advance(by: .seconds(2))
            _ = await sleeps.next()
            readiness.synced()
            clock.advance(by: .seconds(1))
            _ = await sleeps.next()
            clock.advance(by: .milliseconds(500))
            // The start's pages are gone; the service waits an interval.
            _ = await sleeps.next()
            #expect(releases.value == 2)
            #expect(trims.value == 0, "the releases trim the heap themselves")
            for interval in 1...3 {
                clock.advance(by: .seconds(4))
                await Task.yield()
                #expect(trims.value == interval - 1, "not before the interval is over")
                clock.advance(by: .seconds(1))
                _ = await sleeps.next()
                #expect(trims.value == interval)
            }
        }
    }
}
