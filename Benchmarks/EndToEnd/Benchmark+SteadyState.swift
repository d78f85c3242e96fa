import Foundation
import Presence
import PresenceTestSupport

extension Benchmark {
    /// Names of the two containers that take turns in the latency cycles.
    var latencyNames: [String] { (0..<2).map { "pb-\(runID)-lat\($0)" } }

    /// A fresh agent: memory with 0 containers, then requests and memory with 1.
    func measureSmallSteadyState() async throws {
        Log.line("steady state with 0 and 1 containers (agent --interval 5 --ttl 15)")
        try checkTime(before: "the steady-state runs", needs: 60)
        // Every interface, IPv4 and IPv6, as `-p 80 -p 81`.
        try await createContainers(latencyNames, ports: [80, 81], hostIP: "")
        let agent = try startAgent(interval: 5, ttl: 15, resync: 3600)
        // From 1.5 to 2.5 intervals after the start.
        var zero = try await measureWindow(agent, containers: 0, intervals: 1, offset: 1)
        zero.residentByFile = agent.meter.residentByFile()
        zero.residentPages = await residentPages(of: agent)
        results.steady0 = zero
        Log.line(
            "0 containers: RSS \(Format.megabytes(zero.residentEnd)) MB, \(Format.fixed(zero.requests, 0)) etcd "
                + "requests in 1 interval")
        let first = latencyNames[0]
        try await docker.start(try id(first))
        _ = try await waitRegistered([first], timeout: .seconds(10), "the first container's keys", agent: agent)
        let one = try await measureWindow(agent, containers: 1, intervals: 3)
        results.steady1 = one
        Log.line(
            "1 container: \(Format.fixed(one.perInterval, 2)) etcd requests per interval "
                + "(\(Format.methods(one.byMethod))), RSS \(Format.megabytes(one.residentEnd)) MB")
        _ = try await terminateAndMeasure(agent)
        try await docker.stop(try id(first))
    }

    /// Where the idle agent's resident pages come from, by mapping, section and module (scripts/footprint.py).
    private func residentPages(of agent: MeasuredAgent) async -> String {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/footprint.py").path
        do {
            // The image's binary stores its function names compressed; the release binary it was made from
            // names them, at the same addresses.
            let symbols =
                ProcessInfo.processInfo.environment["PRESENCE_BENCH_SYMBOLS"]
                .map { ["/proc/\(agent.pid)/exe", $0] } ?? []
            return try await shell(["python3", script, "\(agent.pid)"] + symbols)
        } catch {
            return "scripts/footprint.py failed: \(error)"
        }
    }

    /// Requests, memory and CPU with the bulk containers, then with `scale.big` containers.
    func measureLargeSteadyState() async throws {
        let n = bulkNames.count
        let window = scale.cpuWindow
        // The window begins after the event stream's first reopening, after a minute of silence: the last of the
        // fresh agent's one-time work, which runs code the start did not, read back once from disk (the start's
        // pages left the page cache, StartupPages).
        let reopening = Int(DockerEventWatcher.defaultSilenceBound.components.seconds)
        let offset = reopening / 5 + 1
        try checkTime(before: "the steady state with many containers", needs: Double(window + reopening + 200))
        Log.line(
            "steady state with \(n) containers: \(window)s window (CPU, requests, RSS) from \(Double(offset) * 5 + 2.5)s "
                + "after the agent's start")
        let agent = try startAgent(interval: 5, ttl: 15, resync: 3600)
        _ = try await waitRegistered(bulkNames, timeout: .seconds(60), "\(n) containers registered", agent: agent)
        // The start's pass ends with a read of what it wrote, after the last key: the steady state begins after.
        try await Task.sleep(for: .seconds(2))
        let hundred = try await measureWindow(agent, containers: n, intervals: window / 5, offset: offset)
        results.steady100 = hundred
        Log.line(
            "\(n) containers: \(Format.fixed(hundred.perInterval, 2)) requests/interval "
                + "(\(Format.methods(hundred.byMethod))), RSS \(Format.megabytes(hundred.residentEnd)) MB, CPU "
                + "\(Format.fixed(hundred.cpuPercent, 3))% (\(hundred.foreignDockerEvents) foreign Docker events in "
                + "the window)")
        let big = scale.big
        let more = big - n
        let bigNames = (0..<more).map { "pb-\(runID)-big\(String(format: "%03d", $0))" }
        Log.line("steady state with \(big) containers: creating and starting \(more) more")
        let started = ContinuousClock.now
        try await createContainers(bigNames, ports: [80], hostIP: "127.0.0.1")
        try await startContainers(bigNames)
        _ = try await waitRegistered(
            bulkNames + bigNames, timeout: .seconds(300), "\(big) containers registered", agent: agent)
        Log.line("  \(more) created, started and registered in \(Format.seconds(ContinuousClock.now - started))")
        let large = try await measureWindow(agent, containers: big, intervals: 3)
        results.steadyBig = large
        Log.line(
            "\(big) containers: \(Format.fixed(large.perInterval, 2)) requests/interval "
                + "(\(Format.methods(large.byMethod))), RSS \(Format.megabytes(large.residentEnd)) MB")
        results.sigtermBig = try await terminateAndMeasure(agent)
        Log.line(
            "  SIGTERM with \(big) containers: keys gone \(Format.milliseconds(results.sigtermBig.gone)), exit "
                + "\(Format.milliseconds(results.sigtermBig.exited))")
        var restarts = BenchmarkResults.Restarts(containers: big)
        for _ in 0..<scale.restarts {
            try checkTime(before: "the agent restarts with \(big) running", needs: 60)
            let before = try await etcd.metrics()
            let agent = try startAgent(interval: 300, ttl: 600)
            let last = try await waitRegistered(
                bulkNames + bigNames, timeout: .seconds(60), "the \(big) containers after the agent's start",
                agent: agent)
            restarts.runs.append(WallClock.milliseconds(from: agent.startTime, to: last))
            restarts.requests = try await etcd.metrics().startedSince(before)
            restarts.terminations.append(try await terminateAndMeasure(agent))
        }
        results.restartsBig = restarts
        Log.line(
            "agent start with \(big) running: \(restarts.runs.map { Format.milliseconds($0) }.joined(separator: ", "))")
        Log.line("removing \(big) containers")
        try await removeContainers(bigNames + bulkNames)
    }
}
