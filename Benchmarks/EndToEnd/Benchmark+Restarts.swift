extension Benchmark {
    /// The agent started with the bulk containers running; SIGTERM between runs.
    func measureRestarts() async throws {
        let repeats = scale.restarts
        let n = bulkNames.count
        Log.line("agent start with \(n) running containers, \(repeats) times")
        guard var agent = latencyAgent else { throw BenchmarkError("the restarts need the latency agent") }
        var restarts = BenchmarkResults.Restarts(containers: n)
        for _ in 0..<repeats {
            try checkTime(before: "the agent restarts", needs: 60)
            restarts.terminations.append(try await terminateAndMeasure(agent))
            let before = try await etcd.metrics()
            agent = try startAgent(interval: 300, ttl: 600)
            let last = try await waitRegistered(
                bulkNames, timeout: .seconds(60), "the \(n) containers after the agent's start", agent: agent)
            restarts.runs.append(WallClock.milliseconds(from: agent.startTime, to: last))
            restarts.requests = try await etcd.metrics().startedSince(before)
        }
        latencyAgent = agent
        restarts.terminations.append(try await terminateAndMeasure(agent))
        results.restarts = restarts
        Log.line(
            "agent start with \(n) running: \(restarts.runs.map { Format.milliseconds($0) }.joined(separator: ", "))")
    }
}
