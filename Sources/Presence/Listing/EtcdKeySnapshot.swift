/// Every key under a registry's root at one moment, and where in etcd's history that moment is.
public struct EtcdKeySnapshot: Sendable {
    public var records: [String: EtcdKeyValue]
    /// The v3 revision or v2 index the keys were read at: a watch follows from the next one.
    public var position: Int64

    public init(records: [String: EtcdKeyValue], position: Int64) {
        self.records = records
        self.position = position
    }
}
