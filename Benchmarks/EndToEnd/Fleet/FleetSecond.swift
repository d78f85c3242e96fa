/// One second of the cluster, summed over the members that answered: the requests it served by method and
/// those that failed, its size and its memory.
struct FleetSecond: Sendable {
    /// Whole seconds since the run started.
    var second: Int
    /// Requests started in this second, by gRPC method, the checker's own range reads taken out of `Range`.
    var requests: [String: Double] = [:]
    var failed: Double = 0
    /// The checker's range reads in this second (not in `requests`).
    var checkerReads = 0
    /// The driver's own lease checks and leader lookups in this second (not in `requests` either).
    var driverRequests: Double = 0
    var membersAnswering = 0
    var leader: String?
    var databaseBytes: Double = 0
    var databaseInUseBytes: Double = 0
    var keys: Double = 0
    /// VmRSS of each running member, by name.
    var residentBytes: [String: Int] = [:]
    /// CPU seconds the members used in this second, by name (user and system, from /proc/PID/stat).
    var cpuSeconds: [String: Double] = [:]

    var etcdCPU: Double { cpuSeconds.values.reduce(0, +) }

    var total: Double { requests.values.reduce(0, +) }

    /// Writes: transactions, puts and deletes (the agent writes every registration in a transaction).
    var writes: Double { (requests["Txn"] ?? 0) + (requests["Put"] ?? 0) + (requests["DeleteRange"] ?? 0) }
}
