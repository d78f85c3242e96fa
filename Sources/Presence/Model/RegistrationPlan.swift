/// The writes that turn what etcd holds for one container into what it should hold.
public struct RegistrationPlan: Sendable, Equatable {
    /// Keys to write, new or with a changed value. Unchanged keys are left alone so watchers do not fire.
    public var puts: [String: String]
    /// Keys to delete, sorted.
    public var deletes: [String]

    public init(puts: [String: String] = [:], deletes: [String] = []) {
        self.puts = puts
        self.deletes = deletes
    }

    /// The difference between `current` (what was written) and `desired`.
    public init(from current: [String: String], to desired: [String: String]) {
        self.puts = desired.filter { current[$0.key] != $0.value }
        self.deletes = current.keys.filter { desired[$0] == nil }.sorted()
    }

    public var isEmpty: Bool { puts.isEmpty && deletes.isEmpty }
}
