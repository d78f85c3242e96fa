import Logging
import Prometheus
import Testing

@testable import Presence

/// A store that refuses or cannot deliver the writes of chosen containers, as etcd does with a transaction over
/// its limit or an endpoint that stops answering.
actor SelectiveStore: RegistrationStore {
    var refused: [String: PresenceError] = [:]
    var keys: [String: [String: String]] = [:]
    var writes: [String] = []

    func refuse(_ container: String, with error: PresenceError?) { refused[container] = error }

    func write(container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool) async throws {
        writes.append(container)
        if let error = refused[container] { throw error }
        self.keys[container] = keys
    }
    func remove(container: String) async throws {
        if let error = refused[container] { throw error }
        keys[container] = nil
    }
    func keepAlive(containers: [String]) async throws -> [String] { [] }
    func heldKeys(containers: [String]) async throws -> [String: String] {
        keys.values.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
    }
    func removeDirectory(_ directory: String) async throws {}
    func registeredDirectories() async throws -> [String] { [] }
    func abandon() async {}
    func removeAll(containers: [String]) async throws { keys = [:] }
}

@Suite("A container's failure is its own")
struct ContainerIsolationTests {
    let docker = FakeDocker()
    let store = SelectiveStore()
    let lines = RecordingLogHandler.Lines()
    let time = ManualTime()

    func reconciler() throws -> Reconciler {
        try .underTest(
            docker: docker, store: store, all: true, logger: RecordingLogHandler.logger(lines), time: time)
    }

    func addContainers(_ names: [String]) async {
        for (index, name) in names.enumerated() {
            await docker.set(ReconcilerTests.web(name: name, id: "\(index + 1)", port: 8000 + index), named: name)
        }
    }

    @Test func aRefusedWriteHoldsBackNoOtherContainerAndIsReportedOnce() async throws {
        await addContainers(["a", "big", "z"])
        await store.refuse(
            "big", with: PresenceError(.etcdRejected, "etcd refused: too many operations in txn request"))
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(Set(await store.keys.keys) == ["a", "z"], "containers before and after the failing one are registered")
        try await reconciler.resync()
        let warnings = lines.all.filter { $0.level == .warning && $0.metadata["container"] == "big" }
        #expect(warnings.count == 1, "one warning per change of state; repeats are at debug level")
        #expect(warnings.first?.message.contains("too many operations") == true)
        #expect(await reconciler.nextRetry != nil, "the failing container is retried")
        await store.refuse("big", with: nil)
        time.advance(to: try #require(await reconciler.nextRetry))
        try await reconciler.retryDue()
        #expect(Set(await store.keys.keys) == ["a", "big", "z"])
        #expect(await reconciler.nextRetry == nil)
    }

    @Test func aFailedInspectHoldsBackNoOtherContainer() async throws {
        await addContainers(["a", "b"])
        await docker.failInspect(of: "1")
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(Set(await store.keys.keys) == ["b"])
        await docker.failInspect(of: nil)
        time.advance(to: try #require(await reconciler.nextRetry))
        try await reconciler.retryDue()
        #expect(Set(await store.keys.keys) == ["a", "b"])
    }

    @Test func aServerThatDoesNotAnswerTwiceInARowEndsThePass() async throws {
        let names = (1...30).map { "c\($0)" }
        await addContainers(names)
        for name in names {
            await store.refuse(name, with: PresenceError(.etcdUnreachable, "cannot reach etcd"))
        }
        let reconciler = try reconciler()
        await #expect(throws: PresenceError.self) { try await reconciler.resync() }
        // Those under way when the second went unanswered, and the one the first freed a place for.
        #expect(
            await store.writes.count == Reconciler.concurrency + 1,
            "the pass stops rather than wait out a deadline per container")
    }

    @Test func oneUnansweredWriteIsThatContainersAlone() async throws {
        await addContainers(["a", "b"])
        await store.refuse("a", with: PresenceError(.etcdUnreachable, "the write of a timed out"))
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(Set(await store.keys.keys) == ["b"])
    }

    @Test func failuresAreCountedByOperation() async throws {
        let registry = PrometheusCollectorRegistry()
        await addContainers(["a"])
        await store.refuse("a", with: PresenceError(.etcdRejected, "refused"))
        let reconciler = try Reconciler.underTest(
            docker: docker, store: store, all: true, logger: RecordingLogHandler.logger(lines),
            metrics: PresenceMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        try await reconciler.resync()
        #expect(registry.emitToString().contains(#"presence_container_failures_total{operation="write"} 1"#))
    }
}
