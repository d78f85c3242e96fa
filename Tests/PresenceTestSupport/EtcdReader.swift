import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Presence

/// Reads etcd the way a consumer does, through its v3 gateway and v2 keys API.
public struct EtcdReader: Sendable {
    public let endpoint: String

    public init(endpoint: String) {
        self.endpoint = endpoint
    }

    public init() throws {
        endpoint = try TestEnvironment.etcd()
    }

    private func post(_ path: String, _ json: [String: Any]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
    }

    /// A key or value as the v3 gateway's JSON carries it.
    public static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    private static func unb64(_ text: Any?) -> String {
        (text as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The gateway's `range_end` for every key starting with `prefix`.
    public static func prefixEnd(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        bytes[bytes.count - 1] += 1
        return Data(bytes).base64EncodedString()
    }

    /// The keys of registrations under `prefix` (a directory, without a trailing slash) through `api`.
    public func keys(_ api: EtcdAPIVersion, under prefix: String) async throws -> [String: String] {
        api == .v3 ? try await keys(under: prefix + "/") : try await v2Keys(under: prefix)
    }

    /// Every v3 key under `prefix` with its value.
    public func keys(under prefix: String) async throws -> [String: String] {
        try await entries(under: prefix).mapValues(\.value)
    }

    /// Every v3 key under `prefix` with its value and lease id.
    public func entries(under prefix: String) async throws -> [String: (value: String, lease: String)] {
        let result = try await post("/v3/kv/range", ["key": Self.b64(prefix), "range_end": Self.prefixEnd(prefix)])
        var entries: [String: (value: String, lease: String)] = [:]
        for kv in result["kvs"] as? [[String: Any]] ?? [] {
            entries[Self.unb64(kv["key"])] = (Self.unb64(kv["value"]), kv["lease"] as? String ?? "0")
        }
        return entries
    }

    /// The revision of etcd that last changed each v3 key under `prefix`: keys written by one transaction share
    /// one.
    public func revisions(under prefix: String) async throws -> [String: String] {
        let result = try await post("/v3/kv/range", ["key": Self.b64(prefix), "range_end": Self.prefixEnd(prefix)])
        var revisions: [String: String] = [:]
        for kv in result["kvs"] as? [[String: Any]] ?? [] {
            revisions[Self.unb64(kv["key"])] = kv["mod_revision"] as? String ?? ""
        }
        return revisions
    }

    /// The ids of every lease etcd holds.
    public func leases() async throws -> Set<String> {
        let result = try await post("/v3/lease/leases", [:])
        return Set((result["leases"] as? [[String: Any]] ?? []).compactMap { $0["ID"] as? String })
    }

    /// The TTL etcd granted a lease, and the seconds it has left.
    public func lease(_ id: String) async throws -> (granted: Int, remaining: Int) {
        let result = try await post("/v3/lease/timetolive", ["ID": id])
        return (Int(result["grantedTTL"] as? String ?? "") ?? 0, Int(result["TTL"] as? String ?? "") ?? -1)
    }

    /// The member's id and the leader it knows of.
    public func status() async throws -> (memberID: String?, leader: String?) {
        let result = try await post("/v3/maintenance/status", [:])
        let header = result["header"] as? [String: Any]
        return (header?["member_id"] as? String, result["leader"] as? String)
    }

    /// Writes a v3 key without a lease, as a leftover of some earlier run would be.
    public func put(_ key: String, _ value: String) async throws {
        _ = try await post("/v3/kv/put", ["key": Self.b64(key), "value": Self.b64(value)])
    }

    /// Writes a v2 key without a TTL.
    public func v2Put(_ key: String, _ value: String) async throws {
        var request = HTTPClientRequest(url: endpoint + "/v2/keys" + key)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "value=" + value))
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(5)).body.collect(upTo: 1 << 20)
    }

    /// Every v2 key under `prefix` (a directory) with its value; empty if the directory does not exist.
    public func v2Keys(under prefix: String) async throws -> [String: String] {
        try await v2Node(prefix).map { Self.flatten($0) } ?? [:]
    }

    /// The v2 node at `key`, read recursively, or nil if it does not exist.
    public func v2Node(_ key: String) async throws -> [String: Any]? {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: endpoint + "/v2/keys" + key + "?recursive=true"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { return nil }
        let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        return json?["node"] as? [String: Any]
    }

    private static func flatten(_ node: [String: Any]) -> [String: String] {
        var result: [String: String] = [:]
        if let value = node["value"] as? String, let key = node["key"] as? String { result[key] = value }
        for child in node["nodes"] as? [[String: Any]] ?? [] {
            result.merge(flatten(child)) { $1 }
        }
        return result
    }

    /// Whether this etcd renews a directory's TTL over v2, asked of etcd itself on a scratch directory: 3.4 does,
    /// 3.5 refuses every update of a directory.
    public func renewsDirectoryTTL() async throws -> Bool {
        let endpoint = try TestEnvironment.etcd()
        let directory = "/presence-probe-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await shell(["curl", "-sf", "-XPUT", "\(endpoint)/v2/keys\(directory)?dir=true&ttl=30"])
        let answer = try await shell(
            [
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-XPUT",
                "\(endpoint)/v2/keys\(directory)?dir=true&ttl=30&refresh=true&prevExist=true",
            ])
        _ = try await shell(["curl", "-s", "-XDELETE", "\(endpoint)/v2/keys\(directory)?recursive=true"])
        return answer == "200"
    }
}
