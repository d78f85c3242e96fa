/// Everything a fleet run measured, for the report.
struct FleetResults: Sendable {
    var settings: FleetSettings
    var host = HostDescription()
    var etcdVersion = "?"
    var agentVersion = "?"
    var loadAtStart = "?"
    var loadAtEnd = "?"
    var openFilesLimit = "?"
    var registrations = 0
    var expectedKeys = 0
    /// How long spawning every agent took.
    var spawnSeconds = 0.0
    var scenarios: [ScenarioResult] = []
    /// The run's seconds of the steady-state window.
    var steady: ClosedRange<Int>?
    var seconds: [FleetSecond] = []
    /// The agents' RSS at the end of the steady state, summed and per agent (mean), in bytes.
    var agentsResident = 0
    var agentsAnonymous = 0
    var notes: [String] = []
    var duration = 0.0

    /// Mean requests per second by method over a window of the run.
    func meanRequests(_ window: ClosedRange<Int>) -> [String: Double] {
        let rows = seconds.filter { window.contains($0.second) }
        guard !rows.isEmpty else { return [:] }
        var sums: [String: Double] = [:]
        for row in rows { for (method, value) in row.requests { sums[method, default: 0] += value } }
        return sums.mapValues { $0 / Double(rows.count) }
    }

    func rows(_ window: ClosedRange<Int>) -> [FleetSecond] { seconds.filter { window.contains($0.second) } }
}
