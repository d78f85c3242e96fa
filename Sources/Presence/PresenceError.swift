/// A failure talking to Docker or etcd, with a message that tells the operator what to check.
///
/// `Code` is a struct over a private enum so that new codes never break code that switches on them.
public struct PresenceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case dockerUnreachable, dockerResponse, etcdUnreachable, etcdRejected, etcdAuthenticationFailed, leaseLost
            case shutdownIncomplete, responseTooLarge, peerStalled, metricsUnavailable, hostAddressUnavailable
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// Docker's socket or address did not answer.
        public static let dockerUnreachable = Code(.dockerUnreachable)
        /// Docker answered with something the agent cannot use.
        public static let dockerResponse = Code(.dockerResponse)
        /// No etcd endpoint answered.
        public static let etcdUnreachable = Code(.etcdUnreachable)
        /// etcd answered but refused a request.
        public static let etcdRejected = Code(.etcdRejected)
        /// etcd refused the user or password the agent authenticates with.
        public static let etcdAuthenticationFailed = Code(.etcdAuthenticationFailed)
        /// etcd no longer knows the lease or TTL directory holding the keys; they must be written again.
        public static let leaseLost = Code(.leaseLost)
        /// A server answered with more than the agent will read; the answer was refused, not buffered.
        public static let responseTooLarge = Code(.responseTooLarge)
        /// A server began an answer and then sent nothing more, within the request's timeout or a stream's bound
        /// for silence; the request or stream is tried again.
        public static let peerStalled = Code(.peerStalled)
        /// SIGTERM could not remove the keys before `--shutdown-timeout`.
        public static let shutdownIncomplete = Code(.shutdownIncomplete)
        /// The metrics endpoint could not listen on `--metrics-address`.
        public static let metricsUnavailable = Code(.metricsUnavailable)
        /// The interface `--host-ip` or `--host-ip6` names has no address of its family (yet).
        public static let hostAddressUnavailable = Code(.hostAddressUnavailable)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    /// The container whose registration failed, if the failure concerns one; logged as its `container` field.
    public var container: String?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
