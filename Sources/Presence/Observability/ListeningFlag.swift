import Synchronization

/// Set once the listener is bound, so a failure before it is reported as one to bind.
final class ListeningFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
