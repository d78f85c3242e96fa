/// What a comparison of etcd with the registrations found: for the log.
public struct RegistrationDrift: Sendable, Equatable {
    /// Keys etcd holds that no registration has.
    public var stale: Int
    /// Keys of registrations that etcd lacks or holds with another value.
    public var missingOrChanged: Int
    /// The containers (or directories) concerned.
    public var containers: [String]
}

extension RegistrationStateMachine {
    /// Compares what etcd holds of this agent's keys with what it should hold. A holder that differs is written
    /// again whole (a first write also deletes what else is in its directories); a directory that no holder
    /// owns is removed. Returns nil when etcd is exact.
    public mutating func correctDrift(etcdHolds: [String: String]) -> RegistrationDrift? {
        var expected: [String: String] = [:]
        for registration in registrations.values { expected.merge(registration.keys) { first, _ in first } }
        guard etcdHolds != expected else { return nil }
        let stale = etcdHolds.keys.filter { expected[$0] == nil }
        let changed = expected.keys.filter { etcdHolds[$0] != expected[$0] }
        var directories = Set<String>()
        for key in stale + changed {
            if let directory = layout.directory(containing: key) { directories.insert(directory) }
        }
        var concerned = Set<String>()
        for directory in directories {
            if let (id, registration) = held.first(where: { layout.directories(of: $0.value.name).contains(directory) })
            {
                markForRewrite(id)
                concerned.insert(registration.name)
            } else {
                addStray(directory)
                concerned.insert(String(directory.split(separator: "/").last ?? ""))
            }
        }
        return RegistrationDrift(stale: stale.count, missingOrChanged: changed.count, containers: concerned.sorted())
    }

    /// With a prefix of this host's own, directories of containers that do not serve here are leftovers of an
    /// earlier run: they are removed before anything is registered. Returns those directories.
    @discardableResult
    public mutating func removeLeftovers(existing directories: [String]) -> [String] {
        var keep = Set<String>()
        for candidate in candidates.values { keep.formUnion(candidate.directories) }
        for registration in held.values { keep.formUnion(layout.directories(of: registration.name)) }
        let leftovers = directories.filter { !keep.contains($0) }
        for directory in leftovers { addStray(directory) }
        return leftovers
    }
}
