/// Reads the keys under a registry's root from etcd, and follows their changes.
protocol RegistrySource: Sendable {
    /// Every key under the root with the TTL it has left.
    func read() async throws -> EtcdKeySnapshot

    /// Calls `apply` with each batch of changes after `position` until etcd closes the stream (returns) or it
    /// fails (throws; `WatchHistoryLost` when the history from `position` is gone), or `apply` throws.
    func follow(after position: Int64, _ apply: ([EtcdKeyChange]) async throws -> Void) async throws
}
