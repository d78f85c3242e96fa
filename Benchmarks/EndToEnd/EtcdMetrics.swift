import Foundation

/// The counters of etcd's Prometheus metrics that the figures use.
struct EtcdMetrics: Sendable {
    /// `grpc_server_started_total` by method: one per request, since the gateway turns each HTTP request into
    /// one gRPC call.
    var started: [String: Double] = [:]
    /// `grpc_server_handled_total` by method.
    var handled: [String: Double] = [:]
    /// The `_sum` and `_count` of etcd's WAL fsync and backend commit durations, by metric name.
    var disk: [String: Double] = [:]

    private static let diskMetrics = [
        "etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds",
    ]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            if line.hasPrefix("grpc_server_started_total{") || line.hasPrefix("grpc_server_handled_total{") {
                guard let method = Self.label("grpc_method", in: line) else { continue }
                if line.hasPrefix("grpc_server_started") {
                    started[method, default: 0] += value
                } else {
                    handled[method, default: 0] += value
                }
            }
            let name = String(line[..<space])
            if Self.diskMetrics.contains(where: { name == $0 + "_sum" || name == $0 + "_count" }) {
                disk[name] = value
            }
        }
    }

    private static func label(_ name: String, in line: Substring) -> String? {
        guard let start = line.range(of: name + "=\"") else { return nil }
        return String(line[start.upperBound...].prefix { $0 != "\"" })
    }

    /// Requests started since `earlier`, by method; methods without any left out.
    func startedSince(_ earlier: EtcdMetrics) -> [String: Double] {
        Self.difference(started, earlier.started)
    }

    func handledSince(_ earlier: EtcdMetrics) -> [String: Double] {
        Self.difference(handled, earlier.handled)
    }

    private static func difference(_ later: [String: Double], _ earlier: [String: Double]) -> [String: Double] {
        later.compactMapValues { $0 }.reduce(into: [:]) { result, entry in
            let delta = entry.value - (earlier[entry.key] ?? 0)
            if delta > 0 { result[entry.key] = delta }
        }
    }

    /// The mean of a duration histogram in milliseconds, 0 without samples.
    func meanMilliseconds(_ metric: String) -> Double {
        (disk[metric + "_sum"] ?? 0) / max(1, disk[metric + "_count"] ?? 0) * 1000
    }
}
