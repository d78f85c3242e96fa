/// Every key under a registry's root at one moment, and where in etcd's history that moment is.
public struct RegistrySnapshot: Sendable {
    public var records: [String: RegistryRecord]
    /// The v3 revision or v2 index the keys were read at: a watch follows from the next one.
    public var position: Int64

    public init(records: [String: RegistryRecord], position: Int64) {
        self.records = records
        self.position = position
    }
}

/// One change a watch reports: a key written, or a key deleted with everything under it.
enum RegistryUpdate: Sendable, Equatable {
    case put(RegistryRecord)
    case delete(String)

    /// Applies the change to the keys known so far.
    func apply(to records: inout [String: RegistryRecord]) {
        switch self {
        case .put(let record):
            records[record.key] = record
        case .delete(let key):
            records[key] = nil
            // A v2 directory (a container's, when its TTL ran out) takes its keys with it.
            let directory = key + "/"
            for held in records.keys where held.hasPrefix(directory) { records[held] = nil }
        }
    }
}

/// etcd no longer has the history a watch asked for (compacted, or v2's 1000 events are past): read again.
struct RegistryHistoryLost: Error {}

/// The watch may have missed changes (a message was dropped, or the stream fell silent): read again, so that no
/// stale row stays on screen.
struct RegistryWatchLost: Error, CustomStringConvertible {
    var description: String
}
