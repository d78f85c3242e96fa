import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PresenceTestSupport

/// The private etcd's JSON gateway and metrics: plain writes for the floor, its version, its counters.
struct EtcdGateway: Sendable {
    let endpoint: String
    let metricsURL: String
    let client: HTTPClient

    /// Writes `value` at `key` without a lease and returns the revision etcd wrote it at.
    func put(_ key: String, _ value: String) async throws -> Int {
        let answer = try await post("/v3/kv/put", ["key": EtcdReader.b64(key), "value": EtcdReader.b64(value)])
        guard let header = answer["header"] as? [String: Any], let revision = Int(header["revision"] as? String ?? "")
        else { throw BenchmarkError("etcd answered a put without a revision: \(answer)") }
        return revision
    }

    func post(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let (status, text) = try await exchange(request, what: path)
        guard status == 200 else { throw BenchmarkError("etcd \(path) answered \(status): \(text.prefix(300))") }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// etcd's server version, or `?`.
    func version() async -> String {
        guard let (_, text) = try? await exchange(HTTPClientRequest(url: endpoint + "/version"), what: "/version"),
            let answer = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        else { return "?" }
        return answer["etcdserver"] as? String ?? "?"
    }

    func metrics() async throws -> EtcdMetrics {
        let (status, text) = try await exchange(HTTPClientRequest(url: metricsURL), what: "metrics")
        guard status == 200 else { throw BenchmarkError("etcd's metrics answered \(status)") }
        return EtcdMetrics(text)
    }

    private func exchange(_ request: HTTPClientRequest, what: String) async throws -> (UInt, String) {
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 32 << 20)
            return (response.status.code, String(buffer: body))
        } catch {
            throw BenchmarkError("etcd \(what) failed: \(error)")
        }
    }
}
