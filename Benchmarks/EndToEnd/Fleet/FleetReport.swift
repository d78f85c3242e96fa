import Foundation

/// The fleet run's Markdown: the machine, the steady state, each scenario's time until exact, and the requests
/// per second over time, one row a second, so that a synchronized storm (or its absence) shows.
struct FleetReport {
    let results: FleetResults

    /// The methods given a column of their own; the rest are summed as `other`.
    static let columns = ["LeaseKeepAlive", "Txn", "LeaseGrant", "Range", "DeleteRange", "LeaseRevoke"]

    var markdown: String {
        let r = results
        let s = r.settings
        var lines: [String] = []
        lines.append(
            "# Fleet simulation: \(s.agents) agents × \(s.containersPerHost) containers on a 3-member etcd cluster")
        lines.append("")
        lines.append(
            "Written by `presence-benchmark fleet` (`scripts/benchmark.sh fleet`); the run took \(Int(r.duration))s.")
        lines.append("")
        lines.append(
            "- Machine: \(r.host.cpu), \(r.host.cores) cores, \(r.host.memory), Linux \(r.host.kernel); load average \(r.loadAtStart) at the start, \(r.loadAtEnd) at the end; `ulimit -n` \(r.openFilesLimit). Everything ran on this one machine: the three etcd members, the agents, the simulated engine and the driver."
        )
        lines.append(
            "- etcd \(r.etcdVersion) (3 members on 127.0.0.1, heartbeat 50 ms, election 500 ms); agent `\(r.agentVersion)`, release build."
        )
        lines.append(
            "- \(s.agents) agents (`--all --hostname host-NNN --prefix '/hosts/{hostname}/containers' --etcd-api v3 --ttl \(s.ttl)`\(s.interval.map { " --interval \($0)" } ?? ""); interval \(Format.fixed(s.effectiveInterval, 1))s), each against its own simulated host; the members' URLs rotated per host. \(r.registrations) registrations (containers), \(r.expectedKeys) keys."
        )
        lines.append(
            "- Requests are etcd's `grpc_server_started_total`, summed over the members, sampled every second; the driver's own requests (the checker's range reads, its lease checks and leader lookups) are taken out. \"Exact\" is a prefix range read of `/hosts/` equal to what the simulated engines hold, by the layout of README.md (polled every 0.5 s, so the times are upper bounds by about the read's duration)."
        )
        lines.append("- Spawning the \(s.agents) agents took \(Format.fixed(r.spawnSeconds, 1))s.")
        lines.append("")
        if let window = r.steady {
            let means = r.meanRequests(window)
            let total = means.values.reduce(0, +)
            lines.append("## Steady state (\(window.count) s)")
            lines.append("")
            lines.append("| method | requests/s |")
            lines.append("|---|---|")
            for (method, value) in means.sorted(by: { $0.value > $1.value }) {
                lines.append("| \(method) | \(Format.fixed(value, 2)) |")
            }
            lines.append("| **total** | **\(Format.fixed(total, 2))** |")
            lines.append("")
            let perAgent = total / Double(max(1, s.agents)) * s.effectiveInterval
            lines.append(
                "That is \(Format.fixed(perAgent, 2)) requests per agent per interval of \(Format.fixed(s.effectiveInterval, 1))s."
            )
            let cpu = r.rows(window).reduce(into: [String: Double]()) { sums, row in
                for (name, seconds) in row.cpuSeconds { sums[name, default: 0] += seconds }
            }
            let cpuText = cpu.sorted { $0.key < $1.key }.map {
                "\($0.key) \(Format.fixed($0.value / Double(window.count) * 100, 1))%"
            }
            lines.append("")
            lines.append("- etcd CPU (share of one core): \(cpuText.joined(separator: ", ")).")
            if let last = r.rows(window).last {
                let rss = last.residentBytes.sorted { $0.key < $1.key }.map {
                    "\($0.key) \(Format.megabytes($0.value)) MB"
                }
                lines.append("")
                lines.append("- etcd VmRSS at the end of it: \(rss.joined(separator: ", ")).")
                lines.append(
                    "- Database: \(Format.fixed(last.databaseBytes / 1e6, 2)) MB (\(Format.fixed(last.databaseInUseBytes / 1e6, 2)) MB in use), \(Int(last.keys)) keys in the store."
                )
            }
            lines.append(
                "- Agents: VmRSS \(Format.megabytes(r.agentsResident)) MB summed (\(Format.megabytes(r.agentsResident / max(1, s.agents))) MB each, most of it the binary's pages, shared), RssAnon \(Format.megabytes(r.agentsAnonymous)) MB summed (\(Format.megabytes(r.agentsAnonymous / max(1, s.agents))) MB each)."
            )
            lines.append("")
        }
        lines.append("## Scenarios")
        lines.append("")
        lines.append(
            "| scenario | until exact | first read after it | hold: exact checks | leases' TTL left at the hold's end (all renewed by their agents if above) | agents running | peak requests/s | peak writes/s | etcd CPU s (all members) |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for scenario in r.scenarios {
            let rows = r.rows(scenario.firstSecond...scenario.lastSecond)
            let peak = rows.map(\.total).max() ?? 0
            let writes = rows.map(\.writes).max() ?? 0
            let lease =
                scenario.leaseTTL.map { "\($0.least)-\($0.most) s (\(scenario.renewedBound.map(String.init) ?? "?"))" }
                ?? "?"
            lines.append(
                "| \(scenario.label) \(scenario.what) | \(scenario.untilExact.map { Format.fixed($0, 1) + " s" } ?? "not within the settle time") | \(scenario.first?.summary ?? "none") | \(scenario.holdExact)/\(scenario.holdChecks) | \(lease) | \(scenario.agentsRunning) (\(scenario.eventStreams) event streams) | \(Format.fixed(peak, 0)) | \(Format.fixed(writes, 0)) | \(Format.fixed(rows.map(\.etcdCPU).reduce(0, +), 1)) |"
            )
        }
        lines.append("")
        for note in r.notes { lines.append("- \(note)") }
        for scenario in r.scenarios { for note in scenario.notes { lines.append("- \(scenario.label): \(note)") } }
        lines.append("")
        lines.append("## Requests per second over time")
        lines.append("")
        lines.append(
            "Second 0 of each scenario is the one its fault (or start) happened in; the series runs to the end of its hold."
        )
        for scenario in r.scenarios {
            let rows = r.rows(scenario.firstSecond...scenario.lastSecond)
            lines.append("")
            lines.append("### \(scenario.label) \(scenario.what)")
            lines.append("")
            lines.append(
                "Total requests per second: `\(rows.map { Format.fixed($0.total, 0) }.joined(separator: " "))`")
            lines.append("")
            lines.append("Writes (Txn) per second: `\(rows.map { Format.fixed($0.writes, 0) }.joined(separator: " "))`")
            lines.append("")
            lines.append(
                "| s | total | " + Self.columns.joined(separator: " | ")
                    + " | other | failed | members up | leader | etcd CPU % |")
            lines.append("|" + String(repeating: "---|", count: Self.columns.count + 7))
            for row in rows {
                let named = Self.columns.map { Format.fixed(row.requests[$0] ?? 0, 0) }
                let other = Format.methods(row.requests.filter { !Self.columns.contains($0.key) })
                lines.append(
                    "| \(row.second - scenario.firstSecond) | \(Format.fixed(row.total, 0)) | \(named.joined(separator: " | ")) | \(other == "none" ? "" : other) | \(Format.fixed(row.failed, 0)) | \(row.membersAnswering) | \(row.leader ?? "-") | \(Format.fixed(row.etcdCPU * 100, 0)) |"
                )
            }
        }
        if let window = r.steady {
            let rows = r.rows(window)
            lines.append("")
            lines.append("### Steady state")
            lines.append("")
            lines.append(
                "Total requests per second: `\(rows.map { Format.fixed($0.total, 0) }.joined(separator: " "))`")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
