/// The cluster's keys under `/hosts/` compared with what the simulated engines hold: exact when nothing is
/// missing, wrong or stale.
struct RegistryComparison: Sendable {
    var expected = 0
    var present = 0
    /// Expected keys that etcd lacks.
    var missing = 0
    /// Expected keys whose value differs.
    var wrong = 0
    /// Keys etcd holds that no running container explains.
    var stale = 0
    /// Distinct leases the keys hang on: one per agent that wrote.
    var leases: Int { leaseIDs.count }
    var leaseIDs: Set<String> = []

    var isExact: Bool { missing == 0 && wrong == 0 && stale == 0 }

    init(expected: [String: String], actual: [String: (value: String, lease: String)]) {
        self.expected = expected.count
        present = actual.count
        for (key, value) in expected {
            if let found = actual[key] {
                if found.value != value { wrong += 1 }
            } else {
                missing += 1
            }
        }
        stale = actual.keys.filter { expected[$0] == nil }.count
        leaseIDs = Set(actual.values.map(\.lease))
    }

    var summary: String {
        "\(present)/\(expected) keys, \(missing) missing, \(wrong) wrong, \(stale) stale, \(leases) leases"
    }
}
