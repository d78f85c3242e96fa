/// A keep-alive that etcd did not answer whole, but that found registrations lost among the answers it gave:
/// those are written again at once, and the keep-alive is retried for the rest.
public struct KeepAliveIncomplete: Error, CustomStringConvertible {
    /// The containers etcd answered it no longer holds (wholly or in part).
    public let lost: [String]
    /// Why the rest went unanswered: what the caller reports and retries on.
    public let failure: any Error

    public var description: String { String(describing: failure) }
}
