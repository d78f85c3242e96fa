/// What one scenario measured: how long until the registry was exact again, and whether it stayed so and every
/// agent kept its lease alive afterwards.
struct ScenarioResult: Sendable {
    var label: String
    var what: String
    /// The run's second the fault (or start) happened in, and the last second its series shows.
    var firstSecond: Int
    var lastSecond: Int
    /// From the fault until a comparison found the registry exact; nil if it never did within the settle time.
    var untilExact: Double?
    /// The first comparison that got an answer after the fault, and the last one before exactness.
    var first: RegistryComparison?
    var last: RegistryComparison?
    /// Comparisons during the hold after exactness, and how many of them were exact.
    var holdChecks = 0
    var holdExact = 0
    /// The fewest and most seconds any agent's lease had left at the end of the hold, and the bound below which
    /// a lease cannot have been renewed since the fault.
    var leaseTTL: (least: Int, most: Int)?
    var renewedBound: Int?
    var agentsRunning = 0
    /// Event streams open on the simulated hosts at the hold's end: one per agent that follows its host.
    var eventStreams = 0
    var notes: [String] = []
}
