import Foundation
import Presence

/// What a fault or hostile-input test saw, for docs/RELIABILITY.md.
///
/// Each record is printed as one `reliability:` line; scripts/reliability-report.sh collects them from the test
/// output into docs/RELIABILITY.md.
public enum Reliability {
    public static func record(
        _ fault: String, outcome: String, recovery: Duration?, consistency: Consistency? = nil, passed: Bool
    ) {
        let recoveryText = recovery.map { String(format: "%.2f s", Double(milliseconds($0)) / 1000) } ?? "n/a"
        let consistencyText = consistency.map(\.description) ?? "n/a"
        let fields = [fault, outcome, recoveryText, consistencyText, passed ? "pass" : "FAIL"]
            .map { $0.replacingOccurrences(of: "\n", with: " ") }
        print("reliability: " + fields.map { $0.replacingOccurrences(of: "|", with: "/") }.joined(separator: " | "))
    }
}

/// etcd compared with Docker's truth: keys that should not be there, and keys that should but are not.
public struct Consistency: Equatable, Sendable, CustomStringConvertible {
    public var stale: Int
    public var missing: Int

    public init(stale: Int, missing: Int) {
        self.stale = stale
        self.missing = missing
    }

    public var isExact: Bool { stale == 0 && missing == 0 }

    /// Polls until etcd matches Docker, reading Docker once (its state must not change meanwhile).
    public static func waitExact(
        api: EtcdAPIVersion, etcd: EtcdReader, docker: DockerCLI, prefix: String, names: [String],
        timeout: Duration = .seconds(30)
    ) async throws -> Duration? {
        let expected = try await docker.expectedKeys(prefix: prefix, names: names, host: docker.expectedHostIP())
        return try await eventually(timeout: timeout, every: .milliseconds(50)) {
            try await check(api: api, etcd: etcd, expected: expected, prefix: prefix, names: names).isExact
        }
    }
    public var description: String { "\(stale) stale, \(missing) missing" }

    /// Compares the keys under `prefix` for `names` with what `docker inspect` says they should be.
    public static func check(
        api: EtcdAPIVersion, etcd: EtcdReader, docker: DockerCLI, prefix: String, names: [String]
    ) async throws -> Consistency {
        let expected = try await docker.expectedKeys(prefix: prefix, names: names, host: docker.expectedHostIP())
        return try await check(api: api, etcd: etcd, expected: expected, prefix: prefix, names: names)
    }

    /// Compares with keys already worked out from Docker: cheap enough to poll, since only etcd is read.
    public static func check(
        api: EtcdAPIVersion, etcd: EtcdReader, expected: [String: String], prefix: String, names: [String]
    ) async throws -> Consistency {
        let held = try await etcd.keys(api, under: prefix)
            .filter { key, _ in names.contains { key.hasPrefix("\(prefix)/\($0)/") } }
        return Consistency(
            stale: held.filter { expected[$0.key] != $0.value }.count,
            missing: expected.filter { held[$0.key] != $0.value }.count)
    }
}
