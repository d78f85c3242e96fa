import Synchronization

/// What the readers of etcd's watch and Docker's events have seen, shared with the phases that wait on it.
final class Observations: Sendable {
    private let state: Mutex<ObservedState>

    init(agentPrefix: String, runID: String) {
        state = Mutex(ObservedState(agentPrefix: agentPrefix, runID: runID))
    }

    func update(_ body: (inout ObservedState) -> Void) {
        state.withLock { body(&$0) }
    }

    func read<T: Sendable>(_ body: (ObservedState) -> T) -> T {
        state.withLock { body($0) }
    }

    /// Ends every wait with `message`: a reader has stopped, so nothing more will be seen.
    func fail(_ message: String) {
        state.withLock { if $0.failure == nil { $0.failure = message } }
    }

    /// Waits until `condition` gives a value; throws if a reader failed or `agent` exited unprompted, and
    /// ``WaitTimeout`` after `timeout`.
    ///
    /// It polls each millisecond: the figures come from the arrival times the readers record, not from when a
    /// wait wakes up, so the polling only bounds how soon the next step starts.
    func wait<T: Sendable>(
        for what: String, timeout: Duration, agent: MeasuredAgent? = nil, _ condition: (ObservedState) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (value, failure) = state.withLock { (condition($0), $0.failure) }
            if let failure { throw BenchmarkError(failure) }
            if let value { return value }
            if let agent, agent.exitedUnprompted {
                throw BenchmarkError(
                    "the agent exited unexpectedly (code \(agent.exitCode.map(String.init) ?? "?")) while waiting "
                        + "for \(what); its log:\n\(agent.logTail())")
            }
            if ContinuousClock.now >= deadline { throw WaitTimeout(what: what) }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Waits until `condition` holds.
    func wait(
        until what: String, timeout: Duration, agent: MeasuredAgent? = nil, _ condition: (ObservedState) -> Bool
    ) async throws {
        _ = try await wait(for: what, timeout: timeout, agent: agent) { condition($0) ? true : nil }
    }
}
