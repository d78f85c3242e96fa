/// Where etcd's v2 keys API serves a key: `/v2/keys` then each of the key's segments, percent-encoded, so that a
/// segment holding `?`, `#` or `%` stays one segment.
enum EtcdV2KeyPath {
    static func of(_ key: String) -> String {
        "/v2/keys" + key.split(separator: "/").map { "/" + percentEncoded(String($0)) }.joined()
    }
}
