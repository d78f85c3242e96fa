extension Report {
    /// "What limits each figure", from this run's numbers.
    var limits: String {
        let (c, f, b, p, rs, t) = (
            results.cycles, results.floor, results.bulk, results.probe, results.restarts, results.sigterm
        )
        let (s0, s100, sBig) = (results.steady0, results.steady100, results.steadyBig)
        func ms(_ value: Double, _ digits: Int = 1) -> String { Format.milliseconds(value, digits: digits) }
        func median(_ values: [Double]) -> String { ms(Statistics.median(values)) }
        let startMedian = Statistics.median(c.start)
        let startRequests = perCycle.filter { $0.key != "DeleteRange" }
        let explained = delivery + f.inspect + startRequests.values.reduce(0, +) * f.put
        let rest = startMedian - explained
        let growth = Double(sBig.residentMax - s0.residentMax) / 1e6
        let restartFloor = rs.requests.values.reduce(0, +) * f.put
        let files = s0.residentByFile.map { "`\($0.name)` \(Format.megabytes($0.bytes)) MB" }.joined(separator: ", ")
        let agentStart: String =
            "- **Agent start with \(rs.containers) running** (\(median(rs.runs))): the process's own start, a "
            + "ping, the event stream's head, the container list beside the bridge (no inspect: the listing "
            + "tells all about these containers) while etcd grants the lease and says whether it holds anything "
            + "under the prefix (nothing, after the previous agent's SIGTERM, so the containers' directories are "
            + "not read for leftovers), the listing decoded in parts side by side, and the writes in 8 "
            + "transactions side by side, each of many containers; "
            + "etcd saw \(Format.methods(rs.requests)) for one start. One after another "
            + "at the floor's speed those requests would take about \(ms(restartFloor)); the rest is the "
            + "process's start, Docker's list and the agent's work on it."
        let sign = growth >= 0 ? "+" : ""
        let rss: String =
            "- **RSS**: \(Format.megabytes(s0.residentMax)) MB before the agent holds any registration, and "
            + "\(sign)\(Format.fixed(growth, 1)) MB with \(sBig.containers) containers. Of the baseline, "
            + "\(Format.megabytes(s0.fileBacked)) MB are file-backed pages (the mapped binary and shared "
            + "libraries) and \(Format.megabytes(s0.anonymous)) MB anonymous memory (heap, thread stacks, the "
            + "runtime's and SwiftNIO's allocations); with \(sBig.containers) containers, "
            + "\(Format.megabytes(sBig.fileBacked)) and \(Format.megabytes(sBig.anonymous)) MB: the anonymous "
            + "part is the registrations and the buffers of their writes, the file-backed part the code of "
            + "events and writes, mapped again after the start's pages were dropped. The largest file mappings "
            + "of the baseline: \(files)."
        let part0: String =
            "- **start -> keys** (median \(ms(startMedian))): Docker hands the `start` event to its subscribers "
            + "\(ms(delivery, 2)) after the event's own timestamp (median, on this benchmark's stream). Then the "
            + "agent inspects the container (one inspect: \(ms(f.inspect, 2))) and writes: per start etcd saw "
            + "\(Format.methods(startRequests)), each a round trip of about \(ms(f.put, 2)) (a write is on a watch "
            + "\(ms(f.putVisible, 2)) after it is sent; etcd's WAL fsync averaged \(Format.fixed(fsync, 2)) ms). "
            + "Those steps add up to about \(ms(explained))"
            + (rest > 0
                ? "; the other \(ms(rest)) are the agent's own work and waiting for a CPU on a loaded "
                    + "\(results.machine.host.cores)-core machine."
                : ", about the whole figure.")
            + " The p99 (\(ms(Statistics.percentile(c.start, 99)))) is the same path when the shared machine is "
            + "busy: Docker's delivery alone has a p99 of \(ms(Statistics.percentile(c.delivery, 99), 2))."
        let part1: String =
            "- **stop/kill -> keys gone** (median \(median(c.stop)) / \(median(c.kill)) from `die`): Docker's event "
            + "delivery plus one etcd DeleteRange. The agent deletes on the `die` event itself, without an "
            + "inspect: Docker does not answer an inspect of a container that is stopping until it has finished "
            + "with it (network, the docker-proxy of each published port, mounts). In \(p.n) extra cycles an "
            + "inspect sent the moment `die` arrived was answered \(median(p.inspectAnswered)) after the `die` "
            + "timestamp (median), and the stop or kill API call itself returned after \(median(p.apiReturned)), "
            + "while the keys were gone at \(median(p.gone))."
        let part2: String =
            "- **\(b.n) at once** (\(ms(b.total))): Docker's start throughput on this machine. Its start events alone "
            + "spanned \(ms(b.dockerSpan)); the last PUT followed the last start event by "
            + "\(ms(b.afterLastStart)), and each container was registered a median \(median(b.each)) after its own "
            + "start event, so the agent kept up with the burst."
        let part4: String =
            "- **SIGTERM** (keys gone \(ms(t.gone)), exit \(ms(t.exited))): etcd saw \(Format.methods(t.requests)): "
            + "one lease revoke removes every key in one etcd revision whatever the number of ports, so this is "
            + "one etcd write plus the process's shutdown."
        let part5: String =
            "- **Requests per interval**: only the lease keep-alive (\(Format.methods(s100.byMethod)) over "
            + "\(s100.intervals) intervals with \(s100.containers) containers, \(Format.methods(sBig.byMethod)) "
            + "over \(sBig.intervals) with \(sBig.containers)): every key hangs on one lease, so nothing scales "
            + "with the number of containers."
        let part6: String =
            "- **CPU while nothing changes** (\(Format.fixed(s100.cpuPercent, 3)) % of a core, \(s100.cpuTicks) ticks "
            + "in \(Format.fixed(s100.seconds, 0)) s): a Docker ping and a keep-alive per interval (here "
            + "`--interval 5`; the default 30 s does a sixth of that), plus reading every container event of the "
            + "host (\(s100.foreignDockerEvents) of other users of the shared dockerd during the window)."
        let parts = [part0, part1, part2, agentStart, part4, part5, part6, rss]
        return parts.joined(separator: "\n")
    }
}
