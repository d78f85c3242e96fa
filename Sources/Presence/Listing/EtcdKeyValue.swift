/// One key under the registry's root as etcd returned it, with the seconds its lease or TTL directory has left:
/// what `RegistryParser` reads into `RegisteredPort`s.
public struct EtcdKeyValue: Sendable, Hashable {
    public var key: String
    public var value: String
    /// Seconds left on the key's lease (v3) or its container directory (v2); nil when it has none.
    public var ttl: Int?

    public init(key: String, value: String, ttl: Int? = nil) {
        self.key = key
        self.value = value
        self.ttl = ttl
    }
}
