import Foundation
import NIOHTTP1

/// A request to the simulated engine, reduced to what routes it: the path without its `/v1.NN` prefix (the
/// agent negotiates a version and prefixes every call but `/_ping` with it) and the decoded query.
struct EngineRequest {
    let method: HTTPMethod
    let path: String
    let query: [String: String]

    init(_ head: HTTPRequestHead) {
        method = head.method
        let components = URLComponents(string: head.uri)
        var path = components?.path ?? head.uri
        if path.hasPrefix("/v"), let slash = path.dropFirst().firstIndex(of: "/"),
            path[path.index(path.startIndex, offsetBy: 2)..<slash].allSatisfy({ $0.isNumber || $0 == "." })
        {
            path = String(path[slash...])
        }
        self.path = path
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        self.query = query
    }

    /// A `since` or `until` parameter in nanoseconds: dockerd takes Unix seconds, with up to nine decimals.
    func timestamp(_ name: String) -> Int? {
        guard let text = query[name], !text.isEmpty else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let seconds = Int(parts[0]) else { return nil }
        var nanos = 0
        if parts.count == 2 {
            let digits = String(parts[1].prefix(9))
            nanos = (Int(digits) ?? 0) * Int(pow(10, Double(9 - digits.count)))
        }
        return seconds * 1_000_000_000 + nanos
    }

    /// Whether `filters` lets container events through: no `type` filter, or one naming `container`, in either
    /// of dockerd's forms (`{"type":["container"]}` or the older `{"type":{"container":true}}`).
    var wantsContainerEvents: Bool {
        guard let text = query["filters"], !text.isEmpty,
            let filters = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
            let types = filters["type"]
        else { return true }
        if let list = types as? [String] { return list.contains("container") }
        if let map = types as? [String: Any] { return map["container"] != nil }
        return true
    }
}
