/// Which of etcd's APIs the agent writes through.
public enum EtcdAPIVersion: String, Sendable, CaseIterable {
    /// Keys on one lease, through etcd's v3 JSON gateway: the default, since etcd 3.6 has no v2 API.
    case v3
    /// The original agent's layout: a directory per container holding the TTL.
    case v2
}
