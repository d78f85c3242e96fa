import NIOCore
import NIOHTTP1

extension EtcdV2Store {
    /// Refreshes a directory's TTL without touching its keys, so watchers do not fire; a directory that a late
    /// write created without a TTL gets one. False if it is gone.
    func refresh(directory: String) async throws -> Bool {
        let response = try await send(
            .PUT, EtcdV2Store.path(directory), query: "dir=true&ttl=\(ttl)&refresh=true&prevExist=true")
        if response.status == .notFound { return false }
        try await check(response, what: "refresh of \(directory)")
        return true
    }

    /// Refreshes a key's TTL without changing its value: etcd records no event for it. False if it is gone.
    func refresh(key: String) async throws -> Bool {
        let response = try await send(.PUT, EtcdV2Store.path(key), query: "ttl=\(ttl)&refresh=true&prevExist=true")
        if response.status == .notFound { return false }
        try await check(response, what: "refresh of \(key)")
        return true
    }

    func createDirectory(_ directory: String) async throws {
        let response = try await send(.PUT, EtcdV2Store.path(directory), query: "dir=true&ttl=\(ttl)")
        try await check(response, what: "creation of \(directory)")
    }

    /// Writes a key with the TTL of its own, so that it expires even if etcd applies the write after the
    /// directory is gone.
    func put(_ key: String, value: String) async throws {
        let body = ByteBuffer(string: "value=" + EtcdV2Store.formEncoded(value))
        let response = try await send(
            .PUT, EtcdV2Store.path(key), query: "ttl=\(ttl)", body: body,
            contentType: "application/x-www-form-urlencoded")
        try await check(response, what: "write of \(key)")
    }

    /// Deletes a key or directory; one that is already gone counts as deleted.
    func delete(_ key: String, recursive: Bool) async throws {
        let response = try await send(.DELETE, EtcdV2Store.path(key), query: recursive ? "recursive=true" : "")
        if response.status == .notFound { return }
        try await check(response, what: "removal of \(key)")
    }

    /// Sends a request with the user's basic auth: the v2 API has no tokens.
    func send(
        _ method: HTTPMethod, _ path: String, query: String = "", body: ByteBuffer? = nil,
        contentType: String = "application/json"
    ) async throws -> HTTPExchange {
        try await transport.send(
            method, path, query: query, body: body, contentType: contentType,
            authorization: credentials?.basicAuthorization)
    }

    func check(_ response: HTTPExchange, what: String) async throws {
        if response.status == .unauthorized {
            let endpoint = await transport.currentEndpoint
            guard let credentials else {
                throw PresenceError(
                    .etcdRejected,
                    "etcd at \(endpoint) refused the \(what): it requires authentication; give --etcd-user and "
                        + "ETCD_PASSWORD or --etcd-password-file")
            }
            // A v2 401 means a wrong user or password, or a role without access to the key (v2 cannot tell apart).
            throw PresenceError(
                .etcdAuthenticationFailed,
                "etcd at \(endpoint) refused the \(what) for user '\(credentials.user)' (401): check ETCD_PASSWORD "
                    + "or --etcd-password-file, and that the user's v2 role may read and write "
                    + layout.roots.map { "\($0) and \($0)/*" }.joined(separator: ", "))
        }
        guard (200..<300).contains(response.status.code) else {
            throw PresenceError(
                .etcdRejected,
                "etcd refused the \(what) (\(response.status.code)): \(response.bodyText.prefix(200)); "
                    + "is etcd started with --enable-v2?")
        }
    }

    static func path(_ key: String) -> String {
        "/v2/keys" + key.split(separator: "/").map { "/" + percentEncoded(String($0)) }.joined()
    }

    static func parent(_ key: String) -> String {
        guard let slash = key.lastIndex(of: "/") else { return key }
        return String(key[..<slash])
    }

    static func formEncoded(_ value: String) -> String {
        percentEncoded(value)
    }
}
