import Logging
import ServiceLifecycleTestKit
import Testing

@testable import Presence

@Suite("The registration service's shutdown", .timeLimit(.minutes(1)))
struct RegistrationServiceTests {
    let docker = FakeDocker()
    let store = FakeStore()
    let queue = WorkQueue()
    let clock = TestClock()

    func service(shutdownTimeout: Duration = .seconds(10)) throws -> RegistrationService {
        RegistrationService(
            reconciler: try .underTest(docker: docker, store: store, names: ["web"]), queue: queue,
            interval: .seconds(10), resyncPeriod: .seconds(60), shutdownTimeout: shutdownTimeout, ttl: 30,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), clock: clock)
    }

    @Test func aGracefulShutdownRemovesEveryKeyThenReturns() async throws {
        await docker.set(ReconcilerTests.web(), named: "web")
        let service = try service()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                queue.requestResync()
                for await call in store.events where call == .write("web", first: true, puts: 2, deletes: 0) { break }
                #expect(await store.keys.count == 2)
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
        #expect(await store.keys.isEmpty)
        #expect(await store.calls.last == .removeAll(["web"]))
    }

    @Test func aStoreThatNeverAnswersEndsTheShutdownAtItsTimeout() async throws {
        await store.stopAnsweringRemoveAll()
        let timeout = Duration.milliseconds(500)
        let service = try service(shutdownTimeout: timeout)
        let error = await testGracefulShutdown { trigger in
            await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask {
                    do {
                        try await service.run()
                        return nil
                    } catch {
                        return error
                    }
                }
                trigger.triggerGracefulShutdown()
                // The removal waits on the service's clock for the timeout, measured from the shutdown: the
                // interval's and the resync's sleeps end later, at 10 s and 60 s.
                for await deadline in clock.sleeps where deadline == .init(offset: timeout) { break }
                clock.advance(by: timeout)
                return await group.next() ?? nil
            }
        }
        #expect((error as? PresenceError)?.code == .shutdownIncomplete)
        #expect(await store.calls.contains(.removeAll([])), "the removal was tried")
    }
}
