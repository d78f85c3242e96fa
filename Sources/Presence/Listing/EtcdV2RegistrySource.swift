import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Reads a registry through etcd's v2 keys API: one recursive GET for the keys, the TTL of each container's
/// directory for the time left, and long-polling `wait=true` requests for changes.
struct EtcdV2RegistrySource: RegistrySource {
    /// How long one long-poll may wait for a change. The v2 API sends nothing while nothing changes, so a
    /// connection that died without closing looks the same as quiet keys: the wait is asked again after this, from
    /// the same index, which loses nothing.
    static let pollBound: Duration = .seconds(60)

    let transport: EtcdTransport
    let credentials: EtcdCredentials?
    let root: String

    private var path: String { EtcdV2Store.path(root) }

    func read() async throws -> RegistrySnapshot {
        let response = try await transport.send(
            .GET, path, query: "recursive=true", authorization: credentials?.basicAuthorization)
        let index = response.headers.first(name: "X-Etcd-Index").flatMap { Int64($0) } ?? 0
        if response.status == .notFound { return RegistrySnapshot(records: [:], position: index) }
        try await check(response.status, body: response.bodyText, what: "read of \(root)")
        var records: [String: RegistryRecord] = [:]
        if let node = (try? response.decode(Listing.self))?.node { collect(node, ttl: nil, into: &records) }
        return RegistrySnapshot(records: records, position: index)
    }

    func follow(after position: Int64, _ apply: ([RegistryUpdate]) async throws -> Void) async throws {
        var next = position + 1
        // A key written under a container's directory inherits its TTL, which only the directory's event carries.
        var directoryTTLs: [String: Int] = [:]
        while true {
            let response = try await transport.open(
                .GET, path, query: "wait=true&recursive=true&waitIndex=\(next)",
                authorization: credentials?.basicAuthorization)
            guard
                let body = try await result(
                    of: { try await response.body.collect(upTo: HTTPClient.responseLimit) },
                    before: .now + Self.pollBound)
            else { continue }
            let text = String(buffer: body)
            if response.status == .badRequest,
                (try? JSONDecoder().decode(Failure.self, from: Data(text.utf8)))?
                    .errorCode == 401
            {
                throw RegistryHistoryLost()
            }
            try await check(response.status, body: text, what: "watch of \(root)")
            guard let event = try? JSONDecoder().decode(Event.self, from: Data(text.utf8)), let node = event.node,
                let key = node.key
            else { continue }
            if let index = node.modifiedIndex { next = index + 1 }
            switch event.action {
            case "delete", "expire", "compareAndDelete":
                directoryTTLs = directoryTTLs.filter { $0.key != key && !$0.key.hasPrefix(key + "/") }
                try await apply([.delete(key)])
            default:
                if node.dir == true {
                    directoryTTLs[key] = node.ttl
                } else if let value = node.value {
                    let inherited = directoryTTLs.filter { key.hasPrefix($0.key + "/") }.max { $0.key < $1.key }?.value
                    try await apply([.put(RegistryRecord(key: key, value: value, ttl: node.ttl ?? inherited))])
                }
            }
        }
    }

    private func collect(_ node: Node, ttl inherited: Int?, into records: inout [String: RegistryRecord]) {
        let ttl = node.ttl ?? inherited
        if node.dir != true, let key = node.key, let value = node.value {
            records[key] = RegistryRecord(key: key, value: value, ttl: ttl)
        }
        for child in node.nodes ?? [] { collect(child, ttl: ttl, into: &records) }
    }

    private func check(_ status: HTTPResponseStatus, body: String, what: String) async throws {
        let endpoint = await transport.currentEndpoint
        if status == .unauthorized {
            throw PresenceError(
                .etcdRejected,
                credentials == nil
                    ? "etcd at \(endpoint) refused the \(what): it requires authentication; give --etcd-user and "
                        + "ETCD_PASSWORD or --etcd-password-file"
                    : "etcd at \(endpoint) refused the \(what) for user '\(credentials!.user)' (401): check the "
                        + "password, and that the user's v2 role may read \(root) and \(root)/*")
        }
        guard (200..<300).contains(status.code) else {
            throw PresenceError(
                .etcdRejected,
                "etcd at \(endpoint) refused the \(what) (\(status.code)): \(body.prefix(200)); "
                    + "is etcd started with --enable-v2?")
        }
    }

    private struct Node: Decodable {
        var key: String?
        var value: String?
        var dir: Bool?
        var ttl: Int?
        var modifiedIndex: Int64?
        var nodes: [Node]?
    }

    private struct Listing: Decodable {
        var node: Node?
    }

    private struct Event: Decodable {
        var action: String
        var node: Node?
    }

    private struct Failure: Decodable {
        var errorCode: Int?
    }
}
