import Foundation

extension Benchmark {
    /// Creates `names`, each publishing `ports` on `hostIP`, eight at a time.
    func createContainers(_ names: [String], ports: [Int], hostIP: String) async throws {
        let created = try await concurrently(names) { [docker, runID] name in
            (name, try await docker.create(name: name, ports: ports, runID: runID, hostIP: hostIP))
        }
        for (name, id) in created {
            ids[name] = id
            // A host and a port key per published port.
            keyCounts[name] = 2 * ports.count
        }
    }

    func startContainers(_ names: [String]) async throws {
        let containerIDs = try names.map(id)
        try await concurrently(containerIDs) { [docker] in try await docker.start($0) }
    }

    func removeContainers(_ names: [String]) async throws {
        let containerIDs = try names.map(id)
        try await concurrently(containerIDs) { [docker] in try await docker.remove($0) }
        for name in names { ids[name] = nil }
    }

    func id(_ name: String) throws -> String {
        guard let id = ids[name] else { throw BenchmarkError("no container \(name) in this run") }
        return id
    }

    /// Waits until each of `names` has all its keys; returns the arrival of the last PUT among them.
    func waitRegistered(_ names: [String], timeout: Duration, _ what: String, agent: MeasuredAgent) async throws -> Int
    {
        let expected = keyCounts
        return try await observations.wait(for: what, timeout: timeout, agent: agent) { state in
            state.registered(names, expected: expected) ? names.compactMap { state.lastPut[$0] }.max() ?? 0 : nil
        }
    }

    /// Waits until the agent has no key left; returns the arrival of the last DELETE.
    func waitAllGone(timeout: Duration, _ what: String) async throws -> Int {
        try await observations.wait(for: what, timeout: timeout) { $0.total == 0 ? $0.lastDeleteOfAny : nil }
    }

    /// Sends SIGTERM and measures to the last DELETE on the watch and to the exit.
    func terminateAndMeasure(_ agent: MeasuredAgent, timeout: Duration = .seconds(15)) async throws
        -> BenchmarkResults.Termination
    {
        let hadKeys = observations.read { $0.total > 0 }
        let before = try await etcd.metrics()
        let sent = agent.sendTerminate()
        var gone: Int?
        if hadKeys {
            do {
                gone = try await waitAllGone(timeout: timeout, "the keys to go after SIGTERM")
            } catch is WaitTimeout {
                try await agent.stop(timeout: .seconds(5))
                throw BenchmarkError("keys were still in etcd \(timeout) after SIGTERM; log:\n\(agent.logTail())")
            }
        }
        guard let exit = try await agent.waitForExit(timeout: timeout) else {
            try await agent.stop(timeout: .seconds(5))
            throw BenchmarkError("the agent did not exit within \(timeout) of SIGTERM; log:\n\(agent.logTail())")
        }
        lastTerminationRequests = try await etcd.metrics().startedSince(before)
        if exit.status != 0 {
            note("an agent exited \(exit.status) after SIGTERM; log tail: \(agent.logTail(lines: 5))")
        }
        return .init(
            gone: gone.map { WallClock.milliseconds(from: sent, to: $0) },
            exited: WallClock.milliseconds(from: sent, to: exit.time), status: exit.status)
    }
}
