/// The size and timings of a fleet run.
struct FleetSettings: Sendable {
    var agents: Int
    var containersPerHost: Int
    var ttl: Int
    /// The agents' `--interval`; nil leaves their default, a third of the TTL.
    var interval: Double?
    /// Seconds of steady state measured after the start.
    var steady: Int
    /// Seconds a scenario may take to become exact.
    var settle: Int
    /// Seconds the whole run may take, cleanup aside.
    var budget: Int
    /// Seconds the whole cluster stays down in the restarts.
    var downtime: Int
    /// Containers stopped per second across the fleet in the churn scenario (each started again
    /// ``churnDowntime`` seconds later), and for how many seconds; 0 skips it.
    var churnRate: Int
    var churnSeconds: Int
    var churnDowntime: Int { 5 }

    /// The interval the agents use: theirs, or their default.
    var effectiveInterval: Double { interval ?? Double(ttl) / 3 }

    /// How long each fault's aftermath is watched once exact: one keep-alive interval and a margin, so that every
    /// agent has renewed its lease (or failed to) before the next fault.
    var hold: Duration { .seconds(Int(effectiveInterval.rounded(.up)) + 5) }
}
