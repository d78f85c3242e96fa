import Foundation

/// What one etcd member's /metrics says that the fleet's figures use: gRPC requests by method (each request
/// of the JSON gateway, which the agents speak, is one gRPC call) and the gauges of size and leadership.
struct MemberMetrics: Sendable {
    /// `grpc_server_started_total` summed by `grpc_method`.
    var started: [String: Double] = [:]
    /// `grpc_server_handled_total` with a `grpc_code` other than OK, summed over methods.
    var failed: Double = 0
    var isLeader = false
    /// `etcd_mvcc_db_total_size_in_bytes`: the backend file, which only a defragmentation shrinks.
    var databaseBytes: Double = 0
    /// `etcd_mvcc_db_total_size_in_use_in_bytes`: what compaction leaves in use of it.
    var databaseInUseBytes: Double = 0
    /// `etcd_debugging_mvcc_keys_total`: keys in the store now.
    var keys: Double = 0

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            let series = line[..<space]
            if series.hasPrefix("grpc_server_started_total{"), let method = Self.label("grpc_method", in: series) {
                started[method, default: 0] += value
            } else if series.hasPrefix("grpc_server_handled_total{"), Self.label("grpc_code", in: series) != "OK" {
                failed += value
            } else {
                switch series {
                case "etcd_server_is_leader": isLeader = value == 1
                case "etcd_mvcc_db_total_size_in_bytes": databaseBytes = value
                case "etcd_mvcc_db_total_size_in_use_in_bytes": databaseInUseBytes = value
                case "etcd_debugging_mvcc_keys_total": keys = value
                default: break
                }
            }
        }
    }

    private static func label(_ name: String, in series: Substring) -> String? {
        guard let start = series.range(of: name + "=\"") else { return nil }
        return String(series[start.upperBound...].prefix { $0 != "\"" })
    }
}
