import Testing

@testable import Presence

/// A store that carries several containers' writes in one request (the v3 store) gets a pass's writes in a
/// few groups that run side by side, and a refusal stays with the container refused.
@Suite("Writes that go together")
struct WritesTogetherTests {
    let docker = FakeDocker()
    let store = FakeStore(writesTogether: true)
    let time = ManualTime()

    func containers(_ count: Int) async -> [String] {
        let names = (0..<count).map { "c\($0)" }
        for (index, name) in names.enumerated() {
            await docker.set(ReconcilerTests.web(name: name, id: String(index), port: 9000 + index), named: name)
        }
        return names
    }

    func groupSizes() async -> [Int] {
        await store.calls.compactMap { if case .writeTogether(let count) = $0 { count } else { nil } }
    }

    @Test func aPassWritesInAtMostConcurrencyGroups() async throws {
        let names = await containers(100)
        try await Reconciler.underTest(docker: docker, store: store, all: true).resync()
        #expect(await store.keys.count == 2 * names.count)
        let sizes = await groupSizes()
        #expect(sizes.reduce(0, +) == names.count)
        #expect(sizes.count == Reconciler.concurrency, "\(sizes)")
        #expect(sizes.allSatisfy { $0 <= Reconciler.writesPerGroup }, "\(sizes)")
    }

    @Test func aGroupNeverHoldsMoreThanOneTransactionsWorth() async throws {
        let names = await containers(300)
        try await Reconciler.underTest(docker: docker, store: store, all: true).resync()
        #expect(await store.keys.count == 2 * names.count)
        let sizes = await groupSizes()
        #expect(sizes.reduce(0, +) == names.count)
        #expect(sizes.max() == Reconciler.writesPerGroup, "\(sizes)")
    }

    @Test func aRefusedContainerIsRetriedAloneAndTheOthersStay() async throws {
        let names = await containers(10)
        await store.refuse(["c3"])
        let reconciler = try Reconciler.underTest(docker: docker, store: store, all: true, time: time)
        try await reconciler.resync()
        let keys = await store.keys
        #expect(keys.count == 2 * (names.count - 1))
        #expect(keys["/containers/c3/80/port"] == nil)
        #expect(await reconciler.registrations.count == names.count - 1)
        await store.refuse([])
        await store.clearCalls()
        time.advance(to: try #require(await reconciler.nextRetry))
        try await reconciler.retryDue()
        #expect(await store.keys["/containers/c3/80/port"] == "9003")
        #expect(await store.calls.filter { if case .write("c3", _, _, _) = $0 { true } else { false } }.count == 1)
        #expect(await groupSizes().isEmpty, "one write alone goes as one")
    }
}
