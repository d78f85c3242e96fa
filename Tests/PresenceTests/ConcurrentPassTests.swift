import Logging
import Testing

@testable import Presence

/// A store whose writes wait until as many are under way as the reconciler may have, and that can lose the
/// lease on one of them: what happens when writes of one pass overlap.
actor GatedStore: RegistrationStore {
    private(set) var keys: [String: [String: String]] = [:]
    private(set) var firstWrites: [String] = []
    private(set) var mostAtOnce = 0
    private(set) var existingKeyReads = 0
    private var underWay = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Released once this many writes are under way at once.
    private let gate: Int
    /// The container whose write finds the lease gone, once.
    private var losesLease: String?
    /// Counts the leases: a write applied on one that is lost since is gone with it.
    private var lease = 0

    init(gate: Int, losesLease: String? = nil) {
        self.gate = gate
        self.losesLease = losesLease
    }

    func write(container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool) async throws {
        if isFirstWrite { firstWrites.append(container) }
        let leaseAtStart = lease
        underWay += 1
        mostAtOnce = max(mostAtOnce, underWay)
        if underWay >= gate {
            for waiter in waiting { waiter.resume() }
            waiting = []
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        underWay -= 1
        if container == losesLease {
            losesLease = nil
            // Everything written on the lease is gone with it.
            self.keys = [:]
            lease += 1
            throw PresenceError(.leaseLost, "etcd no longer knows the agent's lease")
        }
        // Applied, but on a lease lost meanwhile: its keys went with the lease.
        guard leaseAtStart == lease else { return }
        self.keys[container] = keys
    }

    func remove(container: String) async throws { keys[container] = nil }
    func removeDirectory(_ directory: String) async throws {}
    func keepAlive(containers: [String]) async throws -> [String] { [] }
    func heldKeys(containers: [String]) async throws -> [String: String] {
        keys.values.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
    }
    func registeredDirectories() async throws -> [String] { [] }
    func abandon() async {}
    func removeAll(containers: [String]) async throws { keys = [:] }
    func readExistingKeys(of containers: [String]) async throws { existingKeyReads += 1 }
}

@Suite("A pass with many containers", .timeLimit(.minutes(1)))
struct ConcurrentPassTests {
    let docker = FakeDocker()

    func addContainers(_ count: Int) async -> [String] {
        let names = (1...count).map { "c" + String(1000 + $0).dropFirst() }
        for (index, name) in names.enumerated() {
            await docker.set(ReconcilerTests.web(name: name, id: "\(index + 1)", port: 8000 + index), named: name)
        }
        return names
    }

    @Test func writesOverlapUpToTheBoundAndNeverBeyond() async throws {
        // Two full rounds: a reconciler that wrote one at a time would wait at the gate until the time limit.
        let names = await addContainers(2 * Reconciler.concurrency)
        let store = GatedStore(gate: Reconciler.concurrency)
        try await Reconciler.underTest(docker: docker, store: store, all: true).resync()
        #expect(await store.mostAtOnce == Reconciler.concurrency)
        #expect(Set(await store.keys.keys) == Set(names))
        #expect(await store.existingKeyReads == 1, "one read for the leftovers of every first write")
    }

    @Test(arguments: [true, false])
    func onlyTheStartAsksWhetherEtcdHoldsNothingAndANoSkipsTheLeftoverRead(holdsNothing: Bool) async throws {
        let names = await addContainers(Reconciler.concurrency)
        let store = FakeStore(writesTogether: true)
        await store.answerHoldsNothing(holdsNothing)
        let reconciler = try Reconciler.underTest(docker: docker, store: store, all: true)
        try await reconciler.resync()
        #expect(Set(await store.keys.keys.map { $0.split(separator: "/")[1] }) == Set(names.map { Substring($0) }))
        #expect(await store.askedWhetherHoldsNothing == 1)
        #expect(await store.existingKeyReads == (holdsNothing ? 0 : 1), "etcd holds nothing: no leftovers to read")
        #expect(await store.assumedNothingHeld == (holdsNothing ? 1 : 0))
        // Later passes write beside the start's keys: what etcd held before the start says nothing of them.
        let later = ["later1", "later2"]
        for (index, name) in later.enumerated() {
            await docker.set(ReconcilerTests.web(name: name, id: "90\(index)", port: 9000 + index), named: name)
        }
        try await reconciler.resync()
        #expect(await store.askedWhetherHoldsNothing == 1, "only the start asks")
        let reads = await store.existingKeyReads
        let calls = await store.calls
        #expect(reads == (holdsNothing ? 1 : 2), "later first writes look for leftovers: \(reads), \(calls)")
        #expect(await store.assumedNothingHeld == (holdsNothing ? 1 : 0))
    }

    @Test func whatLandsAfterTheLeaseWasLostIsWrittenAgain() async throws {
        let names = await addContainers(Reconciler.concurrency)
        // One write finds the lease gone; the others of its round were applied on it and answer after.
        let store = GatedStore(gate: Reconciler.concurrency, losesLease: names[0])
        let reconciler = try Reconciler.underTest(docker: docker, store: store, all: true)
        await #expect(throws: PresenceError.self) { try await reconciler.resync() }
        try await reconciler.resync()
        #expect(Set(await store.keys.keys) == Set(names), "every container is in etcd again")
        let firstWrites = await store.firstWrites
        #expect(firstWrites.count == 2 * names.count, "each written afresh, on the new lease: \(firstWrites)")
    }
}
