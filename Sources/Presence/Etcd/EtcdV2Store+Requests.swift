import Logging
import NIOCore
import NIOHTTP1

extension EtcdV2Store {
    /// Refreshes a directory's TTL without touching its keys, so watchers do not fire; a directory that a late
    /// write created without a TTL gets one. False if it is gone.
    func refresh(directory: String) async throws -> Bool {
        // Without a TTL on directories, the keys' refreshes tell whether a registration is still there.
        if directoryTTLRenews == false { return true }
        let response = try await send(
            .PUT, EtcdV2KeyPath.of(directory), query: "dir=true&ttl=\(ttl)&refresh=true&prevExist=true")
        if response.status == .notFound { return false }
        try await check(response, what: "refresh of \(directory)")
        return true
    }

    /// Refreshes a key's TTL without changing its value: etcd records no event for it. False if it is gone.
    func refresh(key: String) async throws -> Bool {
        let response = try await send(.PUT, EtcdV2KeyPath.of(key), query: "ttl=\(ttl)&refresh=true&prevExist=true")
        if response.status == .notFound { return false }
        try await check(response, what: "refresh of \(key)")
        return true
    }

    /// Creates an empty directory, with the TTL where etcd can renew it. The first one tells which: it is made
    /// with the TTL and renewed at once; if etcd refuses (3.5), it is made again without one.
    func createDirectory(_ directory: String) async throws {
        let query = directoryTTLRenews == false ? "dir=true" : "dir=true&ttl=\(ttl)"
        let response = try await send(.PUT, EtcdV2KeyPath.of(directory), query: query)
        try await check(response, what: "creation of \(directory)")
        guard directoryTTLRenews == nil else { return }
        let renewal = try await send(
            .PUT, EtcdV2KeyPath.of(directory), query: "dir=true&ttl=\(ttl)&refresh=true&prevExist=true")
        if EtcdV2Store.refusesDirectoryUpdates(renewal) {
            directoryTTLRenews = false
            logger.notice(
                """
                this etcd cannot renew a directory's TTL over the v2 API (etcd 3.5); directories are made without \
                one and every key carries the TTL, so a killed agent leaves empty directories behind
                """)
            try await delete(directory, recursive: true)
            let again = try await send(.PUT, EtcdV2KeyPath.of(directory), query: "dir=true")
            try await check(again, what: "creation of \(directory)")
            return
        }
        try await check(renewal, what: "refresh of \(directory)")
        directoryTTLRenews = true
    }

    /// etcd 3.5's answer to any update of a directory over v2: a 500 "Raft Internal Error", "Not a file".
    static func refusesDirectoryUpdates(_ response: HTTPExchange) -> Bool {
        response.status == .internalServerError && response.bodyText.contains("Not a file")
    }

    /// Writes a key with the TTL of its own, so that it expires even if etcd applies the write after the
    /// directory is gone.
    func put(_ key: String, value: String) async throws {
        let body = ByteBuffer(string: "value=" + EtcdV2Store.formEncoded(value))
        let response = try await send(
            .PUT, EtcdV2KeyPath.of(key), query: "ttl=\(ttl)", body: body,
            contentType: "application/x-www-form-urlencoded")
        try await check(response, what: "write of \(key)")
    }

    /// Deletes a key or directory; one that is already gone counts as deleted. True if there was one.
    @discardableResult
    func delete(_ key: String, recursive: Bool) async throws -> Bool {
        let response = try await send(.DELETE, EtcdV2KeyPath.of(key), query: recursive ? "recursive=true" : "")
        if response.status == .notFound { return false }
        try await check(response, what: "removal of \(key)")
        return true
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

    /// Throws unless etcd accepted the request: the agent reads and writes under every root of its layout.
    func check(_ response: HTTPExchange, what: String) async throws {
        if (200..<300).contains(response.status.code) { return }
        let refusal = EtcdRefusal(
            of: what, at: await transport.currentEndpoint, credentials: credentials, needs: .readWrite,
            on: layout.roots)
        if let error = refusal.v2(status: response.status, body: response.bodyText) { throw error }
    }

    static func parent(_ key: String) -> String {
        guard let slash = key.lastIndex(of: "/") else { return key }
        return String(key[..<slash])
    }

    static func formEncoded(_ value: String) -> String {
        percentEncoded(value)
    }
}
