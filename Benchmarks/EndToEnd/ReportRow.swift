import Foundation

/// A row of the results table: a figure, what was measured, its target and whether it was met.
struct ReportRow {
    var figure: String
    var measured: String
    var target = ""
    var result = ""

    static func verdict(_ met: Bool) -> String { met ? "pass" : "**MISS**" }
    var missed: Bool { result == Self.verdict(false) }

    /// The rows of a run, in the report's order.
    static func rows(of r: BenchmarkResults) -> [ReportRow] {
        var rows: [ReportRow] = []
        let floor = r.floor.total
        func latency(_ label: String, _ samples: [Double]) {
            let median = Statistics.median(samples)
            let p99 = Statistics.percentile(samples, 99)
            rows.append(
                .init(
                    figure: "\(label) median (n=\(samples.count))",
                    measured: "\(Format.milliseconds(median)) (\(Format.fixed(median / floor, 1))x floor)",
                    target: "<= 10 ms", result: verdict(median <= 10)))
            rows.append(
                .init(
                    figure: "\(label) p99",
                    measured: "\(Format.milliseconds(p99)) (\(Format.fixed(p99 / floor, 1))x floor)",
                    target: "<= 50 ms", result: verdict(p99 <= 50)))
        }
        let c = r.cycles
        latency("docker start -> all keys on the watch (from the `start` event)", c.start)
        latency("docker stop -> all keys gone (from the `die` event)", c.stop)
        latency("docker kill -> all keys gone (from the `die` event)", c.kill)
        let b = r.bulk
        rows.append(
            .init(
                figure: "\(b.n) containers started at once -> all registered",
                measured: "\(Format.milliseconds(b.total)) (\(Format.fixed(b.total / floor, 0))x floor)",
                target: "<= 1 s", result: verdict(b.total <= 1000)))
        rows.append(
            .init(
                figure: "\(b.n) at once: last start event -> last PUT (Docker's starts took the rest)",
                measured: Format.milliseconds(b.afterLastStart)))
        for (rs, target) in [(r.restarts, 60.0), (r.restartsBig, 250)] where !rs.runs.isEmpty {
            let start = Statistics.median(rs.runs)
            rows.append(
                .init(
                    figure: "agent start with \(rs.containers) running -> all registered (median of \(rs.runs.count))",
                    measured: "\(Format.milliseconds(start)) (\(Format.fixed(start / floor, 0))x floor)",
                    target: "<= \(Int(target)) ms", result: verdict(start <= target)))
        }
        let t = r.sigterm
        rows.append(
            .init(
                figure: "SIGTERM with \(t.ports) published ports -> all keys gone (median of \(t.runs.count))",
                measured: Format.milliseconds(t.gone), target: "<= 200 ms", result: verdict(t.gone <= 200)))
        rows.append(
            .init(
                figure: "SIGTERM with \(t.ports) published ports -> process exited (median of \(t.runs.count))",
                measured: Format.milliseconds(t.exited), target: "<= 200 ms", result: verdict(t.exited <= 200)))
        for window in [r.steady1, r.steady100, r.steadyBig] {
            let n = window.containers
            rows.append(
                .init(
                    figure: "etcd requests per interval, \(n) container\(n == 1 ? "" : "s") (\(window.intervals) "
                        + "intervals)",
                    measured: Format.fixed(window.perInterval, 2), target: "1", result: verdict(window.perInterval <= 1)
                ))
        }
        for (window, target) in [(r.steady0, 12.0), (r.steady100, 14), (r.steadyBig, 14)] {
            let megabytes = Double(window.residentMax) / 1e6
            let split = "RssAnon \(Format.megabytes(window.anonymous)), RssFile \(Format.megabytes(window.fileBacked))"
            rows.append(
                .init(
                    figure: "agent VmRSS, \(window.containers) containers",
                    measured: "\(Format.fixed(megabytes, 1)) MB (\(split))",
                    target: "<= \(Int(target)) MB", result: verdict(megabytes <= target)))
        }
        for (label, bytes, target) in [
            ("the executable, as in the image", r.binaryBytes, 25.0), ("the image", r.imageBytes, 30),
        ] where bytes > 0 {
            let megabytes = Double(bytes) / 1e6
            rows.append(
                .init(
                    figure: label, measured: "\(Format.fixed(megabytes, 1)) MB", target: "<= \(Int(target)) MB",
                    result: verdict(megabytes <= target)))
        }
        let s = r.steady100
        rows.append(
            .init(
                figure:
                    "agent CPU while nothing changes (\(Format.fixed(s.seconds, 0)) s, \(s.containers) containers)",
                measured: "\(Format.fixed(s.cpuPercent, 3)) % of a core", target: "< 0.1 %",
                result: verdict(s.cpuPercent < 0.1)))
        let f = r.floor
        rows.append(
            .init(
                figure: "floor: one etcd PUT through the gateway (median of \(f.n))",
                measured: Format.milliseconds(f.put, digits: 2)))
        rows.append(
            .init(
                figure: "floor: one Docker inspect (median of \(f.n))",
                measured: Format.milliseconds(f.inspect, digits: 2)))
        return rows
    }

    /// The rows as a Markdown table.
    static func markdown(_ rows: [ReportRow]) -> String {
        (["| figure | measured | target | result |", "|---|---|---|---|"]
            + rows.map { "| \($0.figure) | \($0.measured) | \($0.target) | \($0.result) |" }).joined(separator: "\n")
    }

    /// The rows as aligned plain text, for the terminal.
    static func plain(_ rows: [ReportRow]) -> String {
        let header = ReportRow(figure: "figure", measured: "measured", target: "target", result: "result")
        let all = [header] + rows
        let cells = all.map { [$0.figure, $0.measured, $0.target, $0.result.replacingOccurrences(of: "**", with: "")] }
        let widths = (0..<4).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
