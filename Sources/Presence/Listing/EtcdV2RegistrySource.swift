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

    private var path: String { EtcdV2KeyPath.of(root) }

    func read() async throws -> EtcdKeySnapshot {
        let response = try await transport.send(
            .GET, path, query: "recursive=true", authorization: credentials?.basicAuthorization)
        let index = response.headers.first(name: "X-Etcd-Index").flatMap { Int64($0) } ?? 0
        if response.status == .notFound { return EtcdKeySnapshot(records: [:], position: index) }
        try await check(response.status, body: response.bodyText, what: "read of \(root)")
        var records: [String: EtcdKeyValue] = [:]
        if let node = (try? response.decode(Listing.self))?.node { collect(node, ttl: nil, into: &records) }
        return EtcdKeySnapshot(records: records, position: index)
    }

    func follow(after position: Int64, _ apply: ([EtcdKeyChange]) async throws -> Void) async throws {
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
                throw WatchHistoryLost()
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
                    try await apply([.put(EtcdKeyValue(key: key, value: value, ttl: node.ttl ?? inherited))])
                }
            }
        }
    }

    private func collect(_ node: Node, ttl inherited: Int?, into records: inout [String: EtcdKeyValue]) {
        let ttl = node.ttl ?? inherited
        if node.dir != true, let key = node.key, let value = node.value {
            records[key] = EtcdKeyValue(key: key, value: value, ttl: ttl)
        }
        for child in node.nodes ?? [] { collect(child, ttl: ttl, into: &records) }
    }

    /// Throws unless etcd accepted the request: listing reads the root and nothing else.
    private func check(_ status: HTTPResponseStatus, body: String, what: String) async throws {
        if (200..<300).contains(status.code) { return }
        let refusal = EtcdRefusal(
            of: what, at: await transport.currentEndpoint, credentials: credentials, needs: .read, on: [root])
        if let error = refusal.v2(status: status, body: body) { throw error }
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
