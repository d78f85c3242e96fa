import Foundation

/// docs/BENCHMARKS.md, written from a run's figures: the table, the details, and what limits each figure.
struct Report {
    let results: BenchmarkResults
    /// The env file of reused servers, or empty when the run started its own.
    let servers: String
    let scaleName: String
    let buildSeconds: Double

    var rows: [ReportRow] { ReportRow.rows(of: results) }

    var markdown: String {
        ([
            header, resultsSection, details, comparison, "## What limits each figure\n\n" + limits,
            "## Where the resident pages come from\n\n" + residentPages, howToRun,
        ])
            .joined(separator: "\n\n") + "\n"
    }

    private var r: BenchmarkResults { results }
    var fsync: Double { r.etcdMetrics.meanMilliseconds("etcd_disk_wal_fsync_duration_seconds") }
    var commit: Double { r.etcdMetrics.meanMilliseconds("etcd_disk_backend_commit_duration_seconds") }
    /// etcd's requests per start/stop cycle, by method.
    var perCycle: [String: Double] { r.cycles.requests.mapValues { $0 / Double(max(1, r.cycles.count)) } }
    var delivery: Double { Statistics.median(r.cycles.delivery) }

    private var header: String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let servers = servers.isEmpty ? "servers started for this run" : "reused servers from \(servers)"
        let build = buildSeconds > 0 ? ", plus \(Format.fixed(buildSeconds, 0)) s to build" : ""
        var lines = [
            "# Benchmarks", "",
            "End-to-end figures of the `presence` agent (release build) against a real dockerd and a private etcd, "
                + "from `scripts/benchmark.sh` on \(formatter.string(from: Date())) (\(servers); the run took "
                + "\(Format.fixed(r.duration / 60, 1)) min\(build)).",
        ]
        if scaleName != "full" {
            lines += [
                "", "**Scale `\(scaleName)`: reduced sample sizes, for trying the benchmark, not for comparison.**",
            ]
        }
        let m = r.machine
        lines += [
            "", "## Machine", "",
            "- CPU: \(m.host.cpu), \(m.host.cores) cores; memory \(m.host.memory); kernel \(m.host.kernel)",
            "- etcd \(m.etcd) (private, data on \(m.etcdDataFilesystem)), dockerd \(m.dockerd); agent "
                + "`\(m.agentVersion)`",
            "- Load average at the start \(m.loadAtStart), at the end \(m.loadAtEnd). The machine was shared with "
                + "other test suites during the run, so the timings carry their noise; figures are medians and "
                + "percentiles.",
        ]
        return lines.joined(separator: "\n")
    }

    /// The idle agent's pages, and what the release build does about them (scripts/release-build.sh).
    private var residentPages: String {
        [
            "The agent with 0 containers, as measured in the steady state above (scripts/footprint.py: "
                + "/proc/PID/smaps by mapping, /proc/PID/pagemap for which pages of the binary are present, by "
                + "ELF section and by the Swift module or C library of the first symbol on each page):",
            "", r.steady0.residentPages.trimmingCharacters(in: .whitespacesAndNewlines), "",
            "The kernel maps a file's pages 64 KB around each page fault (fault-around), so the code that runs "
                + "at start and in steady state, a few MB, makes far more of `.text` resident wherever it lies. "
                + "The release build (scripts/release-build.sh) therefore puts each function in a section of its "
                + "own and has lld place the functions that ran under a profile (deploy/symbol-order.txt, written "
                + "by scripts/symbol-order.sh) side by side at the start of `.text`, those of the idle agent first, "
                + "then those of events and scrapes, then the start's; two seconds after the first pass the agent "
                + "drops the executable's pages from its mappings (StartupPages), and again after the first "
                + "keep-alive, whose first run touches code that later ones never do; only the steady state's "
                + "come back. The mappings that may hold pages the process wrote (the writable data, and the "
                + "read-only data the loader relocated) are reclaimed rather than dropped (`MADV_PAGEOUT`, which "
                + "keeps what was written): the first holds `.rodata` too, since the compiler marks the sections "
                + "of Swift's constant tables writable, and the two had kept 2.7 MB resident. The shared "
                + "libraries' read-only mappings are dropped as well (libc's code above all, 1.6 MB). At the "
                + "first release the executable also leaves the page cache where no process maps it "
                + "(`POSIX_FADV_DONTNEED`): fault-around maps whatever the cache holds, and after an install or "
                + "an image pull it holds the whole file (27 faults of a keep-alive mapped 4.4 MB of it). A file "
                + "just written is cached in folios of up to 2 MB, which Linux 6.18 maps whole on a fault and "
                + "does not evict while any page of them is mapped, so the read-only mappings are first reclaimed "
                + "(`MADV_PAGEOUT`, root or the file's owner only), which unmaps and evicts in the kernel (by "
                + "hand, a binary written in one write, 100 containers, a minute on: VmRSS 11.6 -> 9.8 MB); a "
                + "fault outside the code now maps the page it needs (Linux still reads around a fault in the "
                + "code). By hand, 100 containers, a minute on: VmRSS 15.1 -> 10.0 MB, for about 10 ms of CPU "
                + "once, the faults that read the pages back. It "
                + "is linked without PIE, so the loader relocates nothing, and without a dynamic symbol table, "
                + "which only the loader read. The Swift standard library's own objects hold most of their "
                + "code in one section each, which no ordering can split: a keep-alive after the drop maps back "
                + "about 3.4 MB, and orders from other profiles (metrics off, or the agent without containers "
                + "first) moved the idle figures by a few hundred KB either way.",
            "",
            "The C++ library of the Swift runtime (libstdc++) and libgcc are linked in statically: only the "
                + "functions the runtime calls, ordered with the rest, where the shared libstdc++ kept 1.1 MB "
                + "resident, its symbol tables and relocations read by the loader (by hand, 100 containers, cold "
                + "page cache: 15.4 -> 13.6 MB). The profile behind the order runs the idle agent past the event "
                + "stream's reopening after a minute of silence and the close of the start's idle connections, "
                + "and starts five containers at once: unordered, that code had mapped 1.8 MB back a minute into "
                + "the steady state. The heap: one malloc arena (glibc gives a thread that finds the arena busy "
                + "one of its own, and what a start or a burst of events frees stays stranded in each; by hand, a "
                + "start with 500 containers: RssAnon 5.1 -> 3.7 MB), one SwiftNIO event loop rather than one per "
                + "core (each kept a thread, its stack and a 200 KB task buffer), and `malloc_trim` with the "
                + "start's pages and then once an interval.",
            "",
            "The release build (scripts/release-build.sh) is optimised for size (`-Osize`, C at `-Os`: .text "
                + "20.8 -> 18.7 MB), has lld fold identical functions into one (`--icf=all`: 1.1 MB of code) and "
                + "keeps no unwind tables (deploy/no-unwind-tables.ld: 5 MB; nothing in the agent unwinds "
                + "through them, and Swift's crash backtracer follows frame pointers). The executable in the "
                + "image (scripts/build-image.sh) is that binary without debug information or symbol table: what "
                + "remains is code (`.text`), read-only data and Swift's metadata. What only a crash needs is "
                + "stored xz-compressed behind a small launcher that inflates it when the agent crashes "
                + "(deploy/backtracer-launcher.c): Swift's crash backtracer (7.2 MB), the libraries that only it "
                + "links (libstdc++, libgcc_s) and the agent's function names (scripts/backtracer-symbols.py: "
                + "one per address, 3.4 MB of symbol table), which the backtracer finds by the executable's "
                + "build id. The image adds the C libraries the agent links (glibc, libm, libz) and the CA "
                + "bundle.",
        ].joined(separator: "\n")
    }

    private var resultsSection: String {
        var lines = [
            "## Results", "", ReportRow.markdown(rows), "",
            "The floor is one plain etcd write plus one Docker inspect "
                + "(\(Format.milliseconds(r.floor.total, digits: 2))): the least any agent must spend to turn a "
                + "Docker event into etcd keys. Latencies are also given as multiples of it. MB are 10^6 bytes of "
                + "VmRSS.",
        ]
        let misses = rows.filter(\.missed).map(\.figure)
        if !misses.isEmpty { lines += ["", "Missed targets: " + misses.joined(separator: "; ") + "."] }
        if !r.notes.isEmpty { lines += [""] + r.notes.map { "- Note: \($0)" } }
        return lines.joined(separator: "\n")
    }

    private var details: String {
        let c = r.cycles
        let p = r.probe
        let b = r.bulk
        let rs = r.restarts
        let t = r.sigterm
        let (s0, s1, s100, sBig) = (r.steady0, r.steady1, r.steady100, r.steadyBig)
        let f = r.floor
        func ms(_ value: Double, _ digits: Int = 1) -> String { Format.milliseconds(value, digits: digits) }
        func median(_ values: [Double]) -> String { ms(Statistics.median(values)) }
        func mb(_ bytes: Int) -> String { Format.megabytes(bytes) }
        let lines = [
            "## Details", "",
            "- docker start -> keys: \(Statistics.distribution(c.start)). Starts of the stop and the kill cycles "
                + "together.",
            "- docker stop -> keys gone, from Docker's `die` event: \(Statistics.distribution(c.stop)); from the "
                + "stop's first event (`kill`, signal 15): median \(median(c.stopFromKillSignal)).",
            "- docker kill -> keys gone, from Docker's `die` event: \(Statistics.distribution(c.kill)); from the "
                + "`kill` event: median \(median(c.killFromKillEvent)).",
            "- Probe (\(p.n) extra stop/kill cycles, not in the figures above): an inspect sent on the arrival of "
                + "`die` answered after \(Statistics.distribution(p.inspectAnswered)) (from the `die` timestamp); the "
                + "stop/kill API call returned after median \(median(p.apiReturned)); keys gone median "
                + "\(median(p.gone)).",
            "- Docker's event delivery (a `start` event's `timeNano` to its arrival on this benchmark's own event "
                + "stream, the same stream the agent reads): median \(ms(delivery, 2)), p99 "
                + "\(ms(Statistics.percentile(c.delivery, 99), 2)).",
            "- etcd requests per start/stop cycle (from the private etcd's metrics): \(Format.methods(perCycle)).",
            "- \(b.n) at once: Docker's own start events spanned \(ms(b.dockerSpan)) (first to last); the last PUT "
                + "came \(ms(b.afterLastStart)) after the last start event. Each container's own start event to its "
                + "keys during the burst: \(Statistics.distribution(b.each)).",
            "- Agent start with \(rs.containers) running: \(rs.runs.map { ms($0) }.joined(separator: ", ")) (etcd "
                + "requests of one start: \(Format.methods(rs.requests))); SIGTERM with them (\(2 * rs.containers) "
                + "ports): keys gone \(rs.terminations.map { Format.milliseconds($0.gone) }.joined(separator: ", ")).",
            "- SIGTERM with \(t.containers) containers x \(t.ports / max(1, t.containers)) ports: "
                + t.runs.map {
                    "keys gone \(Format.milliseconds($0.gone)), exit \(ms($0.exited)) (code \($0.status))"
                }.joined(separator: "; ") + ".",
            "- SIGTERM with \(sBig.containers) containers registered: keys gone "
                + "\(Format.milliseconds(r.sigtermBig.gone)), exit \(ms(r.sigtermBig.exited)).",
            "- Steady state, by method (grpc_server_started_total): 0 containers \(Format.methods(s0.byMethod)) in 1 "
                + "interval; 1 container \(Format.methods(s1.byMethod)) in \(s1.intervals); \(rs.containers) "
                + "containers \(Format.methods(s100.byMethod)) in \(s100.intervals); \(sBig.containers) containers "
                + "\(Format.methods(sBig.byMethod)) in \(sBig.intervals). Agent flags "
                + "`--interval 5 --ttl 15 --resync 3600`.",
            "- During the \(Format.fixed(s100.seconds, 0)) s CPU window the agent used \(s100.cpuTicks) clock ticks "
                + "(1/\(ProcessMeter.ticksPerSecond) s each) and Docker emitted \(s100.foreignDockerEvents) container "
                + "events of other users of the shared dockerd (the agent reads them all) and "
                + "\(s100.ownDockerEvents) of this run's.",
            "- RSS: 0 containers \(mb(s0.residentMax)) MB, 1 container \(mb(s1.residentMax)) MB, \(rs.containers) "
                + "\(mb(s100.residentMax)) MB, \(sBig.containers) \(mb(sBig.residentMax)) MB (the largest of the "
                + "samples taken every interval of each window). At the end of the windows, RssAnon (heap, stacks) / "
                + "RssFile (the mapped binary and libraries): 0 containers \(mb(s0.anonymous)) / "
                + "\(mb(s0.fileBacked)) MB, \(sBig.containers) containers \(mb(sBig.anonymous)) / "
                + "\(mb(sBig.fileBacked)) MB.",
            "- Floor: etcd PUT median \(ms(f.put, 2)) (p99 \(ms(f.putP99, 2))), on the watch \(ms(f.putVisible, 2)) "
                + "after the request was sent; Docker inspect median \(ms(f.inspect, 2)) (p99 "
                + "\(ms(f.inspectP99, 2))). etcd's WAL fsync averaged \(Format.fixed(fsync, 2)) ms and its backend "
                + "commit \(Format.fixed(commit, 2)) ms over the run.",
        ]
        return lines.joined(separator: "\n")
    }

    private var comparison: String {
        let c = r.cycles
        func ms(_ value: Double) -> String { Format.milliseconds(value) }
        return [
            "## The seed agent, for comparison", "",
            "The original *etcd container presence* agent polls each container every 30 s and writes its keys with "
                + "a 60 s TTL:",
            "", "| figure | seed agent | this run |", "|---|---|---|",
            "| a new container is in etcd | after 15 s on average, 30 s at worst | median "
                + "\(ms(Statistics.median(c.start))), p99 \(ms(Statistics.percentile(c.start, 99))) |",
            "| a stopped container leaves etcd | lingers up to the 60 s TTL | median "
                + "\(ms(Statistics.median(c.stop))), p99 \(ms(Statistics.percentile(c.stop, 99))) |",
            "| processes | one per container | one per host |",
            "| on SIGTERM | keys left to expire (60 s) | all removed in \(ms(r.sigterm.gone)) (\(r.sigterm.ports) "
                + "ports) |",
        ].joined(separator: "\n")
    }
}
