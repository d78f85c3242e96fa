extension Benchmark {
    /// docker start -> keys, docker stop / kill -> keys gone, one container at a time.
    func measureCycles() async throws {
        let n = scale.cycles
        let budget = scale.cyclesBudget
        Log.line("start/stop/kill latencies: up to \(n) cycles (alternating stop and kill), at most \(budget)s")
        let agent = try startAgent(interval: 300, ttl: 600)
        latencyAgent = agent
        // Ready once it has registered a running container (its first resync follows the event stream's start).
        let first = latencyNames[0]
        try await docker.start(try id(first))
        _ = try await waitRegistered(
            [first], timeout: .seconds(20), "the latency agent's first registration", agent: agent)
        let stopped = WallClock.now
        try await docker.stop(try id(first))
        try await observations.wait(until: "the first container's keys to go", timeout: .seconds(10), agent: agent) {
            $0.keyCount(of: first) == 0 && $0.lastDelete[first, default: 0] >= stopped
        }
        let before = try await etcd.metrics()
        var cycles = BenchmarkResults.Cycles()
        let began = ContinuousClock.now
        for index in 0..<n {
            if ContinuousClock.now - began > .seconds(budget) || remaining < 420 {
                note(
                    "time was short: the cycles stopped after \(cycles.count) of \(n) (\(cycles.stop.count) stops, "
                        + "\(cycles.kill.count) kills)")
                break
            }
            let name = latencyNames[index % 2]
            try await measureStart(of: name, agent: agent, into: &cycles)
            try await measureStop(of: name, kill: index % 2 == 1, agent: agent, into: &cycles)
            cycles.count += 1
            if cycles.lost > 3 {
                throw BenchmarkError(
                    "the agent missed \(cycles.lost) changes (no keys within 10 s); log:\n\(agent.logTail())")
            }
            if cycles.count % 50 == 0 {
                Log.line(
                    "  \(cycles.count) cycles: start median \(Format.milliseconds(Statistics.median(cycles.start))), "
                        + "stop \(Format.milliseconds(Statistics.median(cycles.stop))), kill "
                        + "\(Format.milliseconds(Statistics.median(cycles.kill)))")
            }
        }
        cycles.requests = try await etcd.metrics().startedSince(before)
        results.cycles = cycles
        Log.line(
            "cycles: \(cycles.count); start median \(Format.milliseconds(Statistics.median(cycles.start))) p99 "
                + "\(Format.milliseconds(Statistics.percentile(cycles.start, 99))); stop "
                + "\(Format.milliseconds(Statistics.median(cycles.stop))) / "
                + "\(Format.milliseconds(Statistics.percentile(cycles.stop, 99))); kill "
                + "\(Format.milliseconds(Statistics.median(cycles.kill))) / "
                + "\(Format.milliseconds(Statistics.percentile(cycles.kill, 99)))")
    }

    /// Starts `name` and waits for its four keys: from Docker's `start` event to the last PUT.
    private func measureStart(of name: String, agent: MeasuredAgent, into cycles: inout BenchmarkResults.Cycles)
        async throws
    {
        let containerID = try id(name)
        let sent = WallClock.now
        try await docker.start(containerID)
        do {
            let put = try await observations.wait(
                for: "keys of \(name) after start", timeout: .seconds(10), agent: agent
            ) {
                $0.keyCount(of: name) == 4 && $0.lastPut[name, default: 0] >= sent ? $0.lastPut[name] : nil
            }
            let event = try await observations.wait(for: "Docker's start event", timeout: .seconds(10)) {
                $0.dockerEvent(containerID, "start", since: sent)
            }
            cycles.start.append(WallClock.milliseconds(from: event.time, to: put))
            cycles.delivery.append(WallClock.milliseconds(from: event.time, to: event.arrival))
        } catch is WaitTimeout {
            cycles.lost += 1
            cycles.start.append(.infinity)
        }
    }

    /// Stops or kills `name` and waits for its keys to go: from Docker's `die` event, and from its `kill` event,
    /// to the last DELETE.
    private func measureStop(
        of name: String, kill: Bool, agent: MeasuredAgent, into cycles: inout BenchmarkResults.Cycles
    ) async throws {
        let containerID = try id(name)
        let sent = WallClock.now
        if kill { try await docker.kill(containerID) } else { try await docker.stop(containerID) }
        do {
            let gone = try await observations.wait(for: "keys of \(name) to go", timeout: .seconds(10), agent: agent) {
                $0.keyCount(of: name) == 0 && $0.lastDelete[name, default: 0] >= sent ? $0.lastDelete[name] : nil
            }
            let die = try await observations.wait(for: "Docker's die event", timeout: .seconds(10)) {
                $0.dockerEvent(containerID, "die", since: sent)
            }
            let firstEvent = try await observations.wait(for: "Docker's kill event", timeout: .seconds(10)) {
                $0.dockerEvent(containerID, "kill", since: sent)
            }
            let fromDie = WallClock.milliseconds(from: die.time, to: gone)
            let fromKill = WallClock.milliseconds(from: firstEvent.time, to: gone)
            if kill {
                cycles.kill.append(fromDie)
                cycles.killFromKillEvent.append(fromKill)
            } else {
                cycles.stop.append(fromDie)
                cycles.stopFromKillSignal.append(fromKill)
            }
        } catch is WaitTimeout {
            cycles.lost += 1
            if kill { cycles.kill.append(.infinity) } else { cycles.stop.append(.infinity) }
        }
        if kill {
            // A killed container is stopped already; make sure Docker has finished with it.
            _ = try await observations.wait(for: "Docker's die event", timeout: .seconds(10)) {
                $0.dockerEvent(containerID, "die", since: sent)
            }
        }
    }
}
