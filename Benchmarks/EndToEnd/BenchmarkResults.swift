/// Everything a run measured, in milliseconds unless named otherwise; what the report is written from.
struct BenchmarkResults: Sendable {
    struct Machine: Sendable {
        var host = HostDescription()
        var etcd = "?"
        var etcdDataFilesystem = "?"
        var dockerd = "?"
        var agentVersion = "?"
        var loadAtStart = "?"
        var loadAtEnd = "?"
    }

    /// One plain etcd write and one Docker inspect.
    struct Floor: Sendable {
        var n = 0
        var put = Double.nan
        var putP99 = Double.nan
        /// From sending a write to its arrival on the watch.
        var putVisible = Double.nan
        var inspect = Double.nan
        var inspectP99 = Double.nan
        var total: Double { put + inspect }
    }

    /// A steady-state window of whole intervals.
    struct Window: Sendable {
        var containers = 0
        var intervals = 0
        var byMethod: [String: Double] = [:]
        var requests: Double { byMethod.values.reduce(0, +) }
        var perInterval: Double { requests / Double(max(1, intervals)) }
        var residentMax = 0
        var residentEnd = 0
        var anonymous = 0
        var fileBacked = 0
        var residentByFile: [(name: String, bytes: Int)] = []
        /// scripts/footprint.py's account of the resident pages (Markdown), or why there is none.
        var residentPages = ""
        var cpuTicks = 0
        var seconds = 0.0
        var cpuPercent: Double { Double(cpuTicks) / Double(ProcessMeter.ticksPerSecond) / max(seconds, 1e-9) * 100 }
        var ownDockerEvents = 0
        var foreignDockerEvents = 0
    }

    struct Cycles: Sendable {
        var start: [Double] = []
        var stop: [Double] = []
        var kill: [Double] = []
        /// Stop: from its first event (`kill`, signal 15).
        var stopFromKillSignal: [Double] = []
        var killFromKillEvent: [Double] = []
        /// A `start` event's `timeNano` to its arrival on the benchmark's own stream.
        var delivery: [Double] = []
        var lost = 0
        var requests: [String: Double] = [:]
        var count = 0
    }

    struct Probe: Sendable {
        var n = 0
        var inspectAnswered: [Double] = []
        var apiReturned: [Double] = []
        var gone: [Double] = []
    }

    struct Bulk: Sendable {
        var n = 0
        /// Each container's own start event to its keys.
        var each: [Double] = []
        /// First start event to the last PUT.
        var total = Double.nan
        var dockerSpan = Double.nan
        var afterLastStart = Double.nan
    }

    /// One SIGTERM: to the last DELETE (nil without keys), to the exit, and the exit status.
    struct Termination: Sendable {
        var gone: Double?
        var exited: Double
        var status: Int32
    }

    struct Restarts: Sendable {
        var containers = 0
        var runs: [Double] = []
        var terminations: [Termination] = []
        var requests: [String: Double] = [:]
    }

    struct Sigterm: Sendable {
        var containers = 0
        var ports = 0
        var runs: [Termination] = []
        var requests: [String: Double] = [:]
        var gone: Double { Statistics.median(runs.map { $0.gone ?? .nan }) }
        var exited: Double { Statistics.median(runs.map(\.exited)) }
    }

    var machine = Machine()
    var floor = Floor()
    var steady0 = Window()
    var steady1 = Window()
    var cycles = Cycles()
    var probe = Probe()
    var bulk = Bulk()
    var restarts = Restarts()
    /// The agent started with `scale.big` containers running.
    var restartsBig = Restarts()
    /// The executable as the image ships it, and the image; 0 when not known.
    var binaryBytes = 0
    var imageBytes = 0
    var steady100 = Window()
    var steadyBig = Window()
    var sigtermBig = Termination(gone: nil, exited: .nan, status: 0)
    var sigterm = Sigterm()
    var etcdMetrics = EtcdMetrics("")
    /// Seconds the measurements took.
    var duration = 0.0
    var notes: [String] = []
}
