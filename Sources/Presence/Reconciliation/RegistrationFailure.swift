/// A container's last failure and when it is tried again: its failure holds back no other container.
public struct RegistrationFailure: Sendable, Equatable {
    public var operation: RegistrationOperation
    public var message: String
    /// Failures in a row: each doubles the wait, up to the state machine's maximum.
    public var count: Int
    public var retryAt: ContinuousClock.Instant
}
