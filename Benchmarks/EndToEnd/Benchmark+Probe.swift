extension Benchmark {
    /// Why a stop takes what it takes: a Docker inspect sent the moment the `die` event arrives.
    ///
    /// Separate cycles, not counted in the latencies. The agent inspects a container when its events arrive;
    /// this shows when Docker answers such an inspect, relative to the `die` event's timestamp.
    func measureProbe() async throws {
        let n = scale.probe
        Log.line("probe: \(n) stop/kill cycles with an inspect sent on each `die` event")
        guard let agent = latencyAgent else { throw BenchmarkError("the probe needs the latency agent") }
        var probe = BenchmarkResults.Probe(n: n)
        let name = latencyNames[0]
        let containerID = try id(name)
        for index in 0..<n {
            let started = WallClock.now
            try await docker.start(containerID)
            try await observations.wait(until: "keys of \(name) after start", timeout: .seconds(10), agent: agent) {
                $0.keyCount(of: name) == 4 && $0.lastPut[name, default: 0] >= started
            }
            let sent = WallClock.now
            // The stop or kill runs on while the inspect is sent, on a connection of its own.
            async let returned: Int = { [docker] in
                if index % 2 == 1 { try await docker.kill(containerID) } else { try await docker.stop(containerID) }
                return WallClock.now
            }()
            let die = try await observations.wait(for: "Docker's die event", timeout: .seconds(10)) {
                $0.dockerEvent(containerID, "die", since: sent)
            }
            let running = try await docker.isRunning(containerID)
            probe.inspectAnswered.append(WallClock.milliseconds(from: die.time, to: WallClock.now))
            if running { note("a probe inspect right after `die` still saw the container running") }
            let returnedAt = try await returned
            let gone = try await observations.wait(for: "keys of \(name) to go", timeout: .seconds(10), agent: agent) {
                $0.keyCount(of: name) == 0 && $0.lastDelete[name, default: 0] >= sent ? $0.lastDelete[name] : nil
            }
            probe.apiReturned.append(WallClock.milliseconds(from: die.time, to: returnedAt))
            probe.gone.append(WallClock.milliseconds(from: die.time, to: gone))
        }
        results.probe = probe
        Log.line(
            "probe: an inspect sent on `die` answered \(Format.milliseconds(Statistics.median(probe.inspectAnswered))) "
                + "after it (median); the stop/kill call returned after "
                + "\(Format.milliseconds(Statistics.median(probe.apiReturned)))")
    }
}
