import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PresenceTestSupport

/// One prefix range read through a member's JSON gateway, as a consumer reads the registry. Unlike the test
/// support's EtcdReader it tells an error answer (a member without a leader answers 200 with an `error`
/// object and no `kvs`) from an empty registry, and gives up quickly so that another member can be asked.
struct RegistryReader: Sendable {
    let client: HTTPClient

    /// Every key under `prefix` with its value and lease, or nil when the member did not answer with a range.
    func entries(under prefix: String, at endpoint: String) async -> [String: (value: String, lease: String)]? {
        var request = HTTPClientRequest(url: endpoint + "/v3/kv/range")
        request.method = .POST
        let body: [String: String] = ["key": EtcdReader.b64(prefix), "range_end": EtcdReader.prefixEnd(prefix)]
        guard let data = try? JSONSerialization.data(withJSONObject: body) else { return nil }
        request.body = .bytes(ByteBuffer(bytes: data))
        guard let response = try? await client.execute(request, timeout: .seconds(5)), response.status == .ok,
            let bytes = try? await response.body.collect(upTo: 64 << 20),
            let answer = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any],
            answer["header"] != nil, answer["error"] == nil
        else { return nil }
        var entries: [String: (value: String, lease: String)] = [:]
        for kv in answer["kvs"] as? [[String: Any]] ?? [] {
            entries[Self.decoded(kv["key"])] = (Self.decoded(kv["value"]), kv["lease"] as? String ?? "0")
        }
        return entries
    }

    private static func decoded(_ field: Any?) -> String {
        (field as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
