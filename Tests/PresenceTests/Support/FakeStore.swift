@testable import Presence

/// etcd as a dictionary, recording every call so tests can assert what was and was not written, and reporting
/// each on `events` as it happens, so a test can wait for one.
actor FakeStore: RegistrationStore {
    enum Call: Equatable, Sendable {
        case write(String, first: Bool, puts: Int, deletes: Int)
        case remove(String)
        case removeDirectory(String)
        case keepAlive([String])
        case removeAll([String])
        /// A call of `write(_:)` with that many containers.
        case writeTogether(Int)
    }

    /// Whether the store takes several containers' writes in one call, as the v3 store does.
    nonisolated let writesTogether: Bool
    /// Containers whose writes in a call of `write(_:)` are refused, the others landing.
    var refused: Set<String> = []
    func refuse(_ containers: Set<String>) { refused = containers }

    let layout: KeyLayout
    var keys: [String: String] = [:]
    private(set) var calls: [Call] = []
    /// What `holdsNothing()` answers; how often it was asked, its answer taken, and leftovers read.
    var answersHoldsNothing = false
    private(set) var askedWhetherHoldsNothing = 0
    private(set) var assumedNothingHeld = 0
    private(set) var existingKeyReads = 0
    func answerHoldsNothing(_ answer: Bool) { answersHoldsNothing = answer }
    /// Every call, as it is made.
    nonisolated let events: AsyncStream<Call>
    private let report: AsyncStream<Call>.Continuation
    /// Whether `removeAll` returns: when not, it waits until cancelled, as a request to an etcd that never answers.
    private var answersRemoveAll = true

    init(prefix: String = "/containers", formats: [RegistrationFormat] = [.keys], writesTogether: Bool = false) {
        self.writesTogether = writesTogether
        self.layout = try! KeyLayout(template: prefix, hostname: "h1", formats: formats)
        (events, report) = AsyncStream.makeStream()
    }
    var lose: [String] = []
    /// Whether the next keep-alive, besides losing `lose`, leaves some refresh unanswered.
    var leaveNextKeepAliveUnanswered = false
    var failNextWriteWithLeaseLost = false

    func loseOnNextKeepAlive(_ containers: [String], unansweredAsWell: Bool = false) {
        lose = containers
        leaveNextKeepAliveUnanswered = unansweredAsWell
    }
    func failNextWrite() { failNextWriteWithLeaseLost = true }

    func holdsNothing() async -> Bool {
        askedWhetherHoldsNothing += 1
        return answersHoldsNothing
    }
    func assumeNothingHeld() async { assumedNothingHeld += 1 }
    func readExistingKeys(of containers: [String]) async throws { existingKeyReads += 1 }
    func clearCalls() { calls = [] }
    func stopAnsweringRemoveAll() { answersRemoveAll = false }

    private func record(_ call: Call) {
        calls.append(call)
        report.yield(call)
    }

    private func isKey(_ key: String, of container: String) -> Bool {
        layout.directories(of: container).contains { key.hasPrefix($0 + "/") }
    }

    func write(container: String, keys desired: [String: String], plan: RegistrationPlan, isFirstWrite: Bool)
        async throws
    {
        if refused.contains(container) { throw PresenceError(.etcdRejected, "etcd refused the write of \(container)") }
        if failNextWriteWithLeaseLost {
            failNextWriteWithLeaseLost = false
            keys = [:]
            throw PresenceError(.leaseLost, "lease lost")
        }
        record(.write(container, first: isFirstWrite, puts: plan.puts.count, deletes: plan.deletes.count))
        keys = keys.filter { !isKey($0.key, of: container) }.merging(desired) { $1 }
    }

    func write(_ writes: [RegistrationWrite]) async -> [(any Error)?] {
        record(.writeTogether(writes.count))
        return await writeOneByOne(writes)
    }

    func remove(container: String) async throws {
        record(.remove(container))
        keys = keys.filter { !isKey($0.key, of: container) }
    }

    func removeDirectory(_ directory: String) async throws {
        record(.removeDirectory(directory))
        keys = keys.filter { !$0.key.hasPrefix(directory + "/") }
    }

    func keepAlive(containers: [String]) async throws -> [String] {
        record(.keepAlive(containers))
        defer {
            lose = []
            leaveNextKeepAliveUnanswered = false
        }
        for name in lose { keys = keys.filter { !isKey($0.key, of: name) } }
        guard leaveNextKeepAliveUnanswered else { return lose }
        throw KeepAliveIncomplete(lost: lose, failure: PresenceError(.etcdUnreachable, "a refresh went unanswered"))
    }

    func heldKeys(containers: [String]) async throws -> [String: String] {
        keys.filter { key, _ in containers.contains { isKey(key, of: $0) } }
    }

    func registeredDirectories() async throws -> [String] {
        Set(
            keys.keys.compactMap { key in
                layout.hostScopedRoots.contains { key.hasPrefix($0 + "/") } ? layout.directory(containing: key) : nil
            }
        ).sorted()
    }

    var abandoned = false
    func abandon() async { abandoned = true }

    func seed(_ extra: [String: String]) { keys.merge(extra) { $1 } }

    func removeAll(containers: [String]) async throws {
        record(.removeAll(containers))
        // Ends only when the caller gives up: the request is cancelled.
        if !answersRemoveAll { try await Task.sleep(for: .seconds(3600)) }
        keys = [:]
    }
}
