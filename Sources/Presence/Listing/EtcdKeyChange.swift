/// One change a watch reports: a key written, or a key deleted with everything under it.
enum EtcdKeyChange: Sendable, Equatable {
    case put(EtcdKeyValue)
    case delete(String)

    /// Applies the change to the keys known so far.
    func apply(to records: inout [String: EtcdKeyValue]) {
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
