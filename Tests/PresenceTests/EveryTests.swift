import Synchronization
import Testing

@testable import Presence

@Suite("A periodic action", .timeLimit(.minutes(1)))
struct EveryTests {
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    @Test func theFirstComesAfterItsOwnDelayTheRestEveryPeriod() async {
        let clock = TestClock()
        let calls = Counter()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await every(.seconds(10), on: clock, firstAfter: .seconds(7)) { calls.value.withLock { $0 += 1 } }
            }
            var deadlines: [TestClock.Instant] = []
            for await deadline in clock.sleeps {
                deadlines.append(deadline)
                if deadlines.count == 3 { break }
                clock.advance(by: deadline.offset - clock.now.offset)
            }
            #expect(deadlines.map(\.offset) == [.seconds(7), .seconds(17), .seconds(27)])
            #expect(calls.value.withLock { $0 } == 2)
            group.cancelAll()
        }
    }
}
