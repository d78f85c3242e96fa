import Foundation

extension Benchmark {
    /// SIGTERM with many published ports registered.
    func measureSigterm() async throws {
        let count = scale.sigtermContainers
        let ports = scale.sigtermPortsEach
        try checkTime(before: "the SIGTERM run", needs: 120)
        Log.line("SIGTERM with \(count) containers x \(ports) published ports")
        let names = (0..<count).map { "pb-\(runID)-term\(String(format: "%02d", $0))" }
        try await createContainers(names, ports: Array(80..<(80 + ports)), hostIP: "127.0.0.1")
        try await startContainers(names)
        var runs: [BenchmarkResults.Termination] = []
        for _ in 0..<scale.sigtermRepeats {
            let agent = try startAgent(interval: 300, ttl: 600)
            _ = try await waitRegistered(
                names, timeout: .seconds(120), "\(count * ports) ports registered", agent: agent)
            try await Task.sleep(for: .seconds(1))
            runs.append(try await terminateAndMeasure(agent))
            Log.line(
                "  keys gone \(Format.milliseconds(runs.last?.gone)), process exited "
                    + "\(Format.milliseconds(runs.last?.exited))")
        }
        results.sigterm = .init(containers: count, ports: count * ports, runs: runs, requests: lastTerminationRequests)
        Log.line("removing \(count) containers")
        try await removeContainers(names)
    }
}
