extension Benchmark {
    /// Every phase in order; the report is written from ``results`` after this.
    func measureAll(machine: BenchmarkResults.Machine) async throws -> BenchmarkResults {
        let started = ContinuousClock.now
        results.machine = machine
        try await measureFloor()
        try await measureSmallSteadyState()
        try await measureCycles()
        try await measureProbe()
        try await measureBulkStart()
        try await measureRestarts()
        try await measureLargeSteadyState()
        try await measureSigterm()
        results.etcdMetrics = try await etcd.metrics()
        results.machine.loadAtEnd = MachineDescription.loadAverage()
        let elapsed = ContinuousClock.now - started
        results.duration = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return results
    }
}
