import Foundation

/// What a fault or hostile-input test saw, for docs/RELIABILITY.md.
///
/// Each record is printed, and appended as a tab-separated line to `PRESENCE_RELIABILITY_LOG` when it is set
/// (scripts/test.sh sets it; scripts/reliability-report.sh turns the file into the document).
enum Reliability {
    static func record(
        _ fault: String, outcome: String, recovery: Duration?, consistency: Consistency? = nil, passed: Bool
    ) {
        let recoveryText = recovery.map { String(format: "%.2f s", Double(milliseconds($0)) / 1000) } ?? "n/a"
        let consistencyText = consistency.map(\.description) ?? "n/a"
        let fields = [fault, outcome, recoveryText, consistencyText, passed ? "pass" : "FAIL"]
            .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        print("reliability: " + fields.joined(separator: " | "))
        guard let path = ProcessInfo.processInfo.environment["PRESENCE_RELIABILITY_LOG"], !path.isEmpty else { return }
        let line = fields.joined(separator: "\t") + "\n"
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            FileManager.default.createFile(atPath: path, contents: Data(line.utf8))
        }
    }
}

/// etcd compared with Docker's truth: keys that should not be there, and keys that should but are not.
struct Consistency: CustomStringConvertible, Equatable {
    var stale: Int
    var missing: Int

    var isExact: Bool { stale == 0 && missing == 0 }
    var description: String { "\(stale) stale, \(missing) missing" }

    /// Compares the keys under `prefix` for `names` with what `docker inspect` says they should be.
    static func check(
        api: String, etcd: EtcdReader, docker: DockerCLI, prefix: String, names: [String]
    ) async throws -> Consistency {
        let held = try await (api == "v3" ? etcd.keys(under: prefix + "/") : etcd.v2Keys(under: prefix))
            .filter { key, _ in names.contains { key.hasPrefix("\(prefix)/\($0)/") } }
        let expected = try docker.expectedKeys(prefix: prefix, names: names, host: docker.expectedHostIP())
        return Consistency(
            stale: held.filter { expected[$0.key] != $0.value }.count,
            missing: expected.filter { held[$0.key] != $0.value }.count)
    }
}
