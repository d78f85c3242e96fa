import NIOHTTP1

/// How a request to etcd ended, as the `outcome` label of its metrics.
enum EtcdRequestOutcome: String, Sendable, CaseIterable {
    /// etcd answered with success, or with "not found", which is an answer about a key or lease.
    case ok
    /// etcd answered with an error: permission denied, bad request, no leader…
    case rejected
    /// No endpoint answered.
    case unreachable

    init(status: HTTPResponseStatus) {
        self = (200..<300).contains(status.code) || status == .notFound ? .ok : .rejected
    }
}
