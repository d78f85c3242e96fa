/// One request to etcd that the state machine hands out and the reconciler carries out.
public enum RegistrationStep: Sendable, Equatable {
    /// Make etcd hold `registration` for the container `id`: `plan` is the difference from what it held.
    case write(id: String, Registration, plan: RegistrationPlan, isFirstWrite: Bool)
    /// Remove the keys of `registration`, which the container `id` no longer holds.
    case remove(id: String, Registration)
    /// Remove a directory that no container of this agent holds: leftovers of an earlier run or drift.
    case removeDirectory(String)

    /// What a failure of this step is filed under: its container's id, or the directory.
    var subject: String {
        switch self {
        case .write(let id, _, _, _), .remove(let id, _): id
        case .removeDirectory(let directory): RegistrationStep.directorySubject(directory)
        }
    }

    /// Whether this is a write of a container the agent has not written since it started or lost it.
    var isFirstWrite: Bool {
        if case .write(_, _, _, true) = self { true } else { false }
    }

    static func directorySubject(_ directory: String) -> String { "directory " + directory }

    /// The operation, for logs and the failure metric.
    public var operation: RegistrationOperation {
        switch self {
        case .write: .write
        case .remove, .removeDirectory: .remove
        }
    }
}
