extension Benchmark {
    /// etcd's requests, the agent's memory and CPU over `intervals` whole keep-alive intervals.
    ///
    /// The agent's keep-alive timer starts when it does, so its ticks fall near start + k intervals; a window
    /// from start + (k + 0.5) intervals to start + (k + 0.5 + n) intervals holds exactly n ticks. `k` is the
    /// next such offset from now, or `offset`.
    func measureWindow(_ agent: MeasuredAgent, containers: Int, intervals: Int, offset: Int? = nil) async throws
        -> BenchmarkResults.Window
    {
        let intervalNanoseconds = Double(agent.interval) * 1e9
        let elapsed = Double(WallClock.now - agent.startTime) / intervalNanoseconds
        let k = offset ?? Int((elapsed - 0.5).rounded(.up))
        let start = agent.startTime + Int((Double(k) + 0.5) * intervalNanoseconds)
        let end = start + Int(Double(intervals) * intervalNanoseconds)
        try await WallClock.sleep(until: start)
        let meter = agent.meter
        let before = try await etcd.metrics()
        let ticksBefore = try meter.cpuTicks()
        var resident = [try meter.memory().resident]
        let arrivalsBefore = observations.read { $0.dockerArrivals.count }
        let windowStart = WallClock.now
        while WallClock.now < end - 1_000_000 {
            try await WallClock.sleep(until: min(end, WallClock.now + Int(intervalNanoseconds)))
            guard agent.isRunning else {
                throw BenchmarkError("the agent exited during a steady-state window; log:\n\(agent.logTail())")
            }
            resident.append(try meter.memory().resident)
        }
        let ticksAfter = try meter.cpuTicks()
        let memory = try meter.memory()
        let windowEnd = WallClock.now
        let after = try await etcd.metrics()
        let arrivals = observations.read { Array($0.dockerArrivals[arrivalsBefore...]) }
        let own = arrivals.filter(\.ours).count
        if own > 0 { note("\(own) Docker event(s) of this run's containers fell in a steady-state window") }
        return .init(
            containers: containers, intervals: intervals, byMethod: after.startedSince(before),
            residentMax: resident.max() ?? 0, residentEnd: resident.last ?? 0, anonymous: memory.anonymous,
            fileBacked: memory.fileBacked, cpuTicks: ticksAfter - ticksBefore,
            seconds: Double(windowEnd - windowStart) / 1e9, ownDockerEvents: own,
            foreignDockerEvents: arrivals.count - own)
    }
}
