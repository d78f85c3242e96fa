import NIOHTTP1

/// What a request to etcd does, as the `kind` label of its metrics: a small fixed set, whatever the keys.
enum EtcdRequestKind: String, Sendable, CaseIterable {
    case txn, range, put, deleterange
    case leaseGrant = "lease_grant"
    case leaseKeepAlive = "lease_keepalive"
    case leaseRevoke = "lease_revoke"
    case auth
    case v2Get = "v2_get"
    case v2Put = "v2_put"
    case v2Post = "v2_post"
    case v2Delete = "v2_delete"
    case other

    init(method: HTTPMethod, path: String) {
        if path.hasPrefix("/v2/") {
            self =
                switch method {
                case .GET: .v2Get
                case .PUT: .v2Put
                case .POST: .v2Post
                case .DELETE: .v2Delete
                default: .other
                }
            return
        }
        self =
            switch path {
            case "/v3/kv/txn": .txn
            case "/v3/kv/range": .range
            case "/v3/kv/put": .put
            case "/v3/kv/deleterange": .deleterange
            case "/v3/lease/grant": .leaseGrant
            case "/v3/lease/keepalive": .leaseKeepAlive
            case "/v3/lease/revoke": .leaseRevoke
            case "/v3/auth/authenticate": .auth
            default: .other
            }
    }
}
