/// Order statistics of samples in milliseconds; `Double.infinity` stands for a sample that timed out, NaN for
/// none at all.
enum Statistics {
    /// The median, the mean of the middle two for an even count.
    static func median(_ values: [Double]) -> Double {
        let ordered = values.sorted()
        guard !ordered.isEmpty else { return .nan }
        let middle = ordered.count / 2
        return ordered.count % 2 == 1 ? ordered[middle] : (ordered[middle - 1] + ordered[middle]) / 2
    }

    /// The nearest-rank percentile `p` (0-100).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let ordered = values.sorted()
        guard !ordered.isEmpty else { return .nan }
        let rank = max(1, Int((p / 100 * Double(ordered.count)).rounded(.up)))
        return ordered[rank - 1]
    }

    /// `n=…, min …, median …, p90 …, p99 …, max …`, and how many timed out.
    static func distribution(_ values: [Double]) -> String {
        let finite = values.filter(\.isFinite)
        let lost = values.count - finite.count
        return "n=\(values.count), min \(Format.milliseconds(finite.min() ?? .nan)), "
            + "median \(Format.milliseconds(median(values))), p90 \(Format.milliseconds(percentile(values, 90))), "
            + "p99 \(Format.milliseconds(percentile(values, 99))), max \(Format.milliseconds(values.max() ?? .nan))"
            + (lost > 0 ? ", \(lost) timed out" : "")
    }
}
