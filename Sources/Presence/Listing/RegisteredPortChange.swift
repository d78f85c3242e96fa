/// A registration that appeared, moved or went between two readings of the registry.
public struct RegisteredPortChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added, changed, removed
    }

    public var kind: Kind
    /// The registration as it is now; as it was, for `removed`.
    public var entry: RegisteredPort

    public init(_ kind: Kind, _ entry: RegisteredPort) {
        self.kind = kind
        self.entry = entry
    }

    /// What changed from `old` to `new`, in the order of the listing. A TTL that merely ran down is no change.
    public static func between(_ old: [RegisteredPort], _ new: [RegisteredPort]) -> [RegisteredPortChange] {
        let before = Dictionary(old.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [RegisteredPortChange] = []
        for identity in Set(before.keys).union(after.keys).sorted() {
            switch (before[identity], after[identity]) {
            case (nil, let added?): changes.append(.init(.added, added))
            case (let removed?, nil): changes.append(.init(.removed, removed))
            case (let was?, let now?) where !now.registersSame(as: was): changes.append(.init(.changed, now))
            default: break
            }
        }
        return changes
    }
}
