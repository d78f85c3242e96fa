import Logging
import NIOCore
import NIOHTTP1

/// Registrations as the original agent wrote them, through etcd's v2 keys API: a directory per container that
/// carries the TTL, holding the keys.
public actor EtcdV2Store: RegistrationStore {
    private let transport: EtcdTransport
    private let layout: KeyLayout
    private let ttl: Int
    private let credentials: EtcdCredentials?
    private let logger: Logger
    private let metrics: PresenceMetrics

    init(
        transport: EtcdTransport, layout: KeyLayout, ttl: Int, credentials: EtcdCredentials? = nil, logger: Logger,
        metrics: PresenceMetrics = .disabled
    ) {
        self.transport = transport
        self.layout = layout
        self.ttl = ttl
        self.credentials = credentials
        self.logger = logger
        self.metrics = metrics
    }

    public func write(
        container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool
    ) async throws {
        let directories = layout.directories(of: container)
        var recreated: [String] = []
        for directory in directories {
            if isFirstWrite {
                // Leftovers of an earlier run must not survive next to the new keys.
                try await delete(directory, recursive: true)
                try await createDirectory(directory)
                recreated.append(directory)
            } else if try await !refresh(directory) {
                // The directory expired: keys put now would create parents without a TTL, so recreate it first.
                try await createDirectory(directory)
                recreated.append(directory)
            }
        }
        let isInRecreated = { (key: String) in recreated.contains { key.hasPrefix($0 + "/") } }
        let puts = keys.filter { isInRecreated($0.key) }.merging(plan.puts) { $1 }
        for (key, value) in puts.sorted(by: { $0.key < $1.key }) {
            try await put(key, value: value)
        }
        let deletes = plan.deletes.filter { !isInRecreated($0) }
        for key in deletes {
            try await delete(key, recursive: false)
        }
        // A port that is gone from the keys format leaves its directory behind; remove those that no longer hold
        // a key (never a container's own directory).
        let emptied = Set(deletes.map(EtcdV2Store.parent)).filter { port in
            !directories.contains(port) && !keys.keys.contains { $0.hasPrefix(port + "/") }
        }
        for port in emptied.sorted() {
            try await delete(port, recursive: true)
        }
    }

    public func remove(container: String) async throws {
        for directory in layout.directories(of: container) {
            try await delete(directory, recursive: true)
        }
    }

    public func removeDirectory(_ directory: String) async throws {
        try await delete(directory, recursive: true)
    }

    public func keepAlive(containers: [String]) async throws -> [String] {
        var lost: [String] = []
        for container in containers {
            var isComplete = true
            for directory in layout.directories(of: container) where try await !refresh(directory) {
                isComplete = false
            }
            guard !isComplete else { continue }
            logger.warning(
                "etcd lost the container's directory; writing its keys again", metadata: ["container": "\(container)"])
            lost.append(container)
        }
        // A directory's TTL is what v2 has for a lease: one keep-alive per container.
        for container in containers { metrics.leaseKeepAlive(renewed: !lost.contains(container)) }
        return lost
    }

    public func heldKeys(containers: [String]) async throws -> [String: String] {
        var held: [String: String] = [:]
        for container in containers {
            for directory in layout.directories(of: container) {
                let response = try await transport.send(
                    .GET, EtcdV2Store.path(directory), query: "recursive=true")
                if response.status == .notFound { continue }
                try await check(response, what: "read of \(directory)")
                if let node = (try? response.decode(EtcdV2Listing.self))?.node {
                    EtcdV2Store.collect(node, into: &held)
                }
            }
        }
        return held
    }

    private static func collect(_ node: EtcdV2Listing.Node, into held: inout [String: String]) {
        if let key = node.key, let value = node.value { held[key] = value }
        for child in node.nodes ?? [] { collect(child, into: &held) }
    }

    public func registeredDirectories() async throws -> [String] {
        var directories: [String] = []
        for root in layout.hostScopedRoots {
            let response = try await send(.GET, EtcdV2Store.path(root.isEmpty ? "/" : root))
            if response.status == .notFound { continue }
            try await check(response, what: "read of \(root)")
            let listing = try? response.decode(EtcdV2Listing.self)
            directories += (listing?.node?.nodes ?? []).compactMap { $0.key.flatMap(layout.directory(containing:)) }
        }
        return directories.sorted()
    }

    public func abandon() {}

    public func removeAll(containers: [String]) async throws {
        for container in containers {
            try await remove(container: container)
        }
    }

    /// Refreshes a directory's TTL without touching its keys, so watchers do not fire. False if it is gone.
    private func refresh(_ directory: String) async throws -> Bool {
        let response = try await send(
            .PUT, EtcdV2Store.path(directory), query: "dir=true&ttl=\(ttl)&refresh=true&prevExist=true")
        if response.status == .notFound { return false }
        try await check(response, what: "refresh of \(directory)")
        return true
    }

    private func createDirectory(_ directory: String) async throws {
        let response = try await send(.PUT, EtcdV2Store.path(directory), query: "dir=true&ttl=\(ttl)")
        try await check(response, what: "creation of \(directory)")
    }

    private func put(_ key: String, value: String) async throws {
        let body = ByteBuffer(string: "value=" + EtcdV2Store.formEncoded(value))
        let response = try await send(
            .PUT, EtcdV2Store.path(key), body: body, contentType: "application/x-www-form-urlencoded")
        try await check(response, what: "write of \(key)")
    }

    private func delete(_ key: String, recursive: Bool) async throws {
        let response = try await send(
            .DELETE, EtcdV2Store.path(key), query: recursive ? "recursive=true" : "")
        if response.status == .notFound { return }
        try await check(response, what: "removal of \(key)")
    }

    /// Sends a request with the user's basic auth: the v2 API has no tokens.
    private func send(
        _ method: HTTPMethod, _ path: String, query: String = "", body: ByteBuffer? = nil,
        contentType: String = "application/json"
    ) async throws -> HTTPExchange {
        try await transport.send(
            method, path, query: query, body: body, contentType: contentType,
            authorization: credentials?.basicAuthorization)
    }

    private func check(_ response: HTTPExchange, what: String) async throws {
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

/// The part of a v2 directory listing the agent reads.
struct EtcdV2Listing: Decodable {
    struct Node: Decodable {
        var key: String?
        var value: String?
        var nodes: [Node]?
    }
    var node: Node?
}
