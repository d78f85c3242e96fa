import NIOHTTP1

/// What etcd's refusal of a request means for the operator, and what to change: the one reading of etcd's
/// answers for the agent's stores and `presence list`, over both APIs.
///
/// Every message names the endpoint that answered and the request refused; one about access names the user
/// and the roots its role must grant. etcd's own text names neither the password nor anything derived from it,
/// so it may be quoted.
struct EtcdRefusal: Sendable {
    /// What the request needs the user's role to grant.
    enum Access: Sendable {
        case read, readWrite

        /// How a message says it: `read`, `read and write`.
        fileprivate var verbs: String {
            switch self {
            case .read: "read"
            case .readWrite: "read and write"
            }
        }

        /// The permission's name for `etcdctl role grant-permission`.
        fileprivate var etcdctlName: String {
            switch self {
            case .read: "read"
            case .readWrite: "readwrite"
            }
        }
    }

    /// The request refused, as a message names it: `write of web`, `read of /services/`.
    var what: String
    var endpoint: EtcdEndpoint
    var credentials: EtcdCredentials?
    var access: Access
    /// The key prefixes (without a trailing slash) the role must grant `access` to.
    var roots: [String]

    init(
        of what: String, at endpoint: EtcdEndpoint, credentials: EtcdCredentials?, needs access: Access,
        on roots: [String]
    ) {
        self.what = what
        self.endpoint = endpoint
        self.credentials = credentials
        self.access = access
        self.roots = roots
    }

    /// The refusal of a request over the v2 keys API, which answers 401 for any missing right or wrong password;
    /// nil when etcd accepted it (2xx).
    func v2(status: HTTPResponseStatus, body: String) -> PresenceError? {
        if (200..<300).contains(status.code) { return nil }
        guard status == .unauthorized else {
            return PresenceError(
                .etcdRejected,
                "etcd at \(endpoint) refused the \(what) (\(status.code)): \(body.prefix(200)); "
                    + "is etcd started with --enable-v2?")
        }
        guard let credentials else { return authenticationRequired }
        // A v2 401 means a wrong user or password, or a role without access to the key (v2 cannot tell apart).
        let paths = roots.map { "\($0) and \($0)/*" }.joined(separator: ", ")
        return PresenceError(
            .etcdAuthenticationFailed,
            "etcd at \(endpoint) refused the \(what) for user '\(credentials.user)' (401): check ETCD_PASSWORD or "
                + "--etcd-password-file, and that the user's v2 role may \(access.verbs) \(paths)")
    }

    /// The refusal of a request over the v3 gateway: `failure` is etcd's error answer, `body` the raw one for
    /// when it is not JSON. A streaming endpoint reports its errors with status 200, which the message leaves out.
    func v3(status: HTTPResponseStatus, failure: EtcdV3.ErrorResponse?, body: String) -> PresenceError {
        if let failure, EtcdV3.isPermissionDenied(failure) {
            let grants = roots.map { "etcdctl role grant-permission --prefix=true ROLE \(access.etcdctlName) \($0)/" }
            let advice =
                grants.isEmpty
                ? "check the roles of \(credentials.map { "user '\($0.user)'" } ?? "the user")"
                : "the user's role needs \(access.verbs) on "
                    + roots.map { $0 + "/" }.joined(separator: " and ") + ": " + grants.joined(separator: "; ")
            return PresenceError(.etcdRejected, "etcd at \(endpoint) denied the \(what) (permission denied); \(advice)")
        }
        if let failure, EtcdV3.isAuthenticationRequired(failure) { return authenticationRequired }
        if let failure, let credentials, EtcdV3.isAuthenticationFailure(failure) {
            return PresenceError(
                .etcdAuthenticationFailed,
                "etcd at \(endpoint) refused the password of user '\(credentials.user)'; check ETCD_PASSWORD or "
                    + "--etcd-password-file, and that the user exists (etcdctl user get \(credentials.user))")
        }
        let text = failure.map(\.text).flatMap { $0.isEmpty ? nil : $0 } ?? String(body.prefix(200))
        let code = status == .ok ? "" : " (\(status.code))"
        return PresenceError(.etcdRejected, "etcd at \(endpoint) refused the \(what)\(code): \(text)")
    }

    /// The refusal of a v3 request whose whole answer was read.
    func v3(_ response: HTTPExchange) -> PresenceError {
        v3(status: response.status, failure: try? response.decode(EtcdV3.ErrorResponse.self), body: response.bodyText)
    }

    private var authenticationRequired: PresenceError {
        PresenceError(
            .etcdRejected,
            "etcd at \(endpoint) refused the \(what): it requires authentication; give --etcd-user and "
                + "ETCD_PASSWORD or --etcd-password-file")
    }
}
