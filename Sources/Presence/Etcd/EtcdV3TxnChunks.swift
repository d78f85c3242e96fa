/// Cuts a registration's operations into transactions no larger than etcd accepts (`--max-txn-ops`, 128 by
/// default).
///
/// Operations come in groups that should land together (a port's `host` and `port` keys), in the order they
/// must be applied: the caller lists every put before any delete, so that a watcher never sees a container
/// with fewer of its keys than before and after the write. Groups are packed greedily in that order, so a
/// write that fits the limit stays one transaction, and a longer one takes as few as the groups allow.
enum EtcdV3TxnChunks {
    /// The transactions to send, in order, each a list of whole groups. A group larger than `limit` (only
    /// with a limit below a port's two keys) is cut into pieces of `limit`, each a group of its own.
    static func split<Operation>(_ groups: [[Operation]], limit: Int) -> [[[Operation]]] {
        precondition(limit > 0, "etcd accepts at least one operation per transaction")
        var chunks: [[[Operation]]] = []
        var current: [[Operation]] = []
        var count = 0
        for group in groups.filter({ !$0.isEmpty }) {
            let pieces =
                group.count <= limit
                ? [group]
                : stride(from: 0, to: group.count, by: limit).map { Array(group[$0..<min($0 + limit, group.count)]) }
            for piece in pieces {
                if count + piece.count > limit {
                    chunks.append(current)
                    current = []
                    count = 0
                }
                current.append(piece)
                count += piece.count
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// The limit to try after etcd refused a transaction of `refused` operations as too many: `limit` halved
    /// until below what was refused, or nil when even one operation was refused.
    static func lowered(_ limit: Int, refused: Int) -> Int? {
        guard refused > 1 else { return nil }
        var lowered = limit
        while lowered >= refused { lowered /= 2 }
        return lowered
    }
}
