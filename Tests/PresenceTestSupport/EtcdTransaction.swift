import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One v3 transaction through etcd's gateway: every put and prefix delete in it lands in a single revision, which
/// a watch receives as one message.
public struct EtcdTransaction {
    public let endpoint: String
    private var operations: [[String: Any]] = []

    public init(endpoint: String) {
        self.endpoint = endpoint
    }

    public mutating func put(_ key: String, _ value: String) {
        operations.append(["request_put": ["key": Self.base64(key), "value": Self.base64(value)]])
    }

    /// Deletes every key that starts with `prefix`.
    public mutating func delete(prefix: String) {
        var end = Array(prefix.utf8)
        end[end.count - 1] += 1
        operations.append([
            "request_delete_range": ["key": Self.base64(prefix), "range_end": Data(end).base64EncodedString()]
        ])
    }

    /// Commits the transaction and returns the revision it made.
    @discardableResult
    public func commit() async throws -> Int {
        var request = HTTPClientRequest(url: endpoint + "/v3/kv/txn")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["success": operations])))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let answer = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let revision = ((answer?["header"] as? [String: Any])?["revision"] as? String).flatMap { Int($0) }
        guard response.status == .ok, answer?["succeeded"] as? Bool == true, let revision else {
            throw ShellError(
                command: "POST /v3/kv/txn", status: Int32(response.status.code), output: String(buffer: body))
        }
        return revision
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}
