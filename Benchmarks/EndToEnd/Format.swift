import Foundation

/// How the report writes numbers.
enum Format {
    /// `4.1 ms`, `12.37 s` from 10 s on, `timeout` for an infinite sample, `n/a` for none.
    static func milliseconds(_ value: Double, digits: Int = 1) -> String {
        if value.isNaN { return "n/a" }
        if value == .infinity { return "timeout" }
        if value >= 10000 { return String(format: "%.2f s", value / 1000) }
        return String(format: "%.\(digits)f ms", value)
    }

    static func milliseconds(_ value: Double?, digits: Int = 1) -> String {
        milliseconds(value ?? .nan, digits: digits)
    }

    /// A number with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// Whole seconds of a duration, as `5s`.
    static func seconds(_ duration: Duration) -> String {
        "\(Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded()))s"
    }

    /// Bytes as MB (10^6 bytes), one decimal.
    static func megabytes(_ bytes: Int) -> String {
        fixed(Double(bytes) / 1e6, 1)
    }

    /// `LeaseKeepAlive 12, Range 1`: etcd requests by method, in name order, or `none`.
    static func methods(_ counts: [String: Double]) -> String {
        let named = counts.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \(fixed($0.value, 0))" }
        return named.isEmpty ? "none" : named.joined(separator: ", ")
    }
}
