/// Sample sizes of a run: `full` for the report, `quick` for trying the benchmark.
struct BenchmarkScale: Sendable {
    /// Start/stop and start/kill cycles, alternating.
    var cycles: Int
    /// etcd writes and Docker inspects of the floor.
    var floor: Int
    /// Containers started at once.
    var bulk: Int
    /// Agent starts with the bulk containers running.
    var restarts: Int
    /// Containers in all for the largest steady state.
    var big: Int
    var sigtermContainers: Int
    var sigtermPortsEach: Int
    var sigtermRepeats: Int
    /// Seconds of the CPU window.
    var cpuWindow: Int
    /// Seconds the cycles may take.
    var cyclesBudget: Int
    /// Extra stop/kill cycles with an inspect sent on `die`.
    var probe: Int

    static let full = BenchmarkScale(
        cycles: 400, floor: 50, bulk: 100, restarts: 5, big: 500, sigtermContainers: 50, sigtermPortsEach: 10,
        sigtermRepeats: 3, cpuWindow: 60, cyclesBudget: 330, probe: 20)
    static let quick = BenchmarkScale(
        cycles: 40, floor: 20, bulk: 20, restarts: 2, big: 60, sigtermContainers: 10, sigtermPortsEach: 10,
        sigtermRepeats: 2, cpuWindow: 20, cyclesBudget: 60, probe: 6)
}
