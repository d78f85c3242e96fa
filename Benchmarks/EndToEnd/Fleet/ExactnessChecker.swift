import PresenceTestSupport

/// Reads the whole registry back from the cluster, as a consumer would (one prefix range read through the
/// JSON gateway of whichever member answers), and compares it with the engines.
struct ExactnessChecker: Sendable {
    let engine: SimulatedEngine
    let cluster: FleetCluster
    let reads: CheckerReads
    let reader: RegistryReader

    /// The members whose process runs: a killed member refuses connections, which AsyncHTTPClient retries until
    /// the read's deadline, and every read would wait that long.
    private var endpoints: [String] {
        let running = cluster.pids()
        return cluster.members.filter { running[$0.name] != nil }.map(\.endpoint)
    }

    /// One comparison, or nil when no member answered.
    func compare() async -> RegistryComparison? {
        let expected = engine.expectedKeys
        for endpoint in endpoints {
            reads.add()
            if let actual = await reader.entries(under: "/hosts/", at: endpoint) {
                return RegistryComparison(expected: expected, actual: actual)
            }
        }
        return nil
    }

    /// Compares every `poll` until the registry is exact or `timeout` passes. Returns how long it took (nil if it
    /// never was), the first comparison that had an answer, and the last.
    func waitUntilExact(
        since start: ContinuousClock.Instant, timeout: Duration, poll: Duration = .milliseconds(500)
    ) async -> (took: Duration?, first: RegistryComparison?, last: RegistryComparison?) {
        var first: RegistryComparison?
        var last: RegistryComparison?
        var logged = ContinuousClock.now
        while ContinuousClock.now - start < timeout, !Task.isCancelled {
            if let comparison = await compare() {
                first = first ?? comparison
                last = comparison
                if comparison.isExact { return (ContinuousClock.now - start, first, last) }
                if ContinuousClock.now - logged > .seconds(5) {
                    Log.line("  not exact yet: \(comparison.summary)")
                    logged = .now
                }
            }
            try? await Task.sleep(for: poll)
        }
        return (nil, first, last)
    }

    /// The fewest and most seconds any of `leases` has left, read from the first member that answers: after a
    /// fault, a lease whose agent stopped renewing it shows as one with little left.
    func remainingTTLs(of leases: Set<String>) async -> (least: Int, most: Int)? {
        for endpoint in endpoints {
            let reader = EtcdReader(endpoint: endpoint)
            guard
                let remaining = try? await concurrently(
                    Array(leases), width: 8, { try await reader.lease($0).remaining })
            else { continue }
            guard let least = remaining.min(), let most = remaining.max() else { return nil }
            return (least, most)
        }
        return nil
    }
}
