/// What the registry holds: the complete registrations, sorted by container then port, and the keys that are
/// not part of one.
public struct RegistryListing: Sendable, Equatable {
    public var entries: [RegisteredPort]
    public var problems: [SkippedKey]

    public init(entries: [RegisteredPort], problems: [SkippedKey] = []) {
        self.entries = entries.sorted { $0.identity < $1.identity }
        self.problems = problems.sorted()
    }
}
