import Logging
import NIOHTTP1

extension EtcdV3Store {
    /// Applies `groups` of operations, in order, in as few transactions as etcd accepts: one when they fit
    /// `operationLimit`.
    ///
    /// etcd refuses a transaction of more operations than its `--max-txn-ops` (128 by default) as a whole,
    /// applying none of it. When it does, the limit is halved until below the refused size, remembered for
    /// every later write, and the operations not yet applied are sent again in smaller transactions. A split
    /// write keeps the order of its groups, so every put lands before any delete of a leftover: a watcher may
    /// see a container's new ports arrive in steps and its old ones leave last, but never sees it lose a port
    /// that it keeps, nor a port's `host` key without its `port`.
    func commit(_ groups: [[EtcdV3.TxnRequest.Operation]], what: String) async throws {
        var pending = groups
        while !pending.isEmpty {
            let chunks = EtcdV3TxnChunks.split(pending, limit: operationLimit)
            if chunks.count > 1 {
                logger.debug(
                    "\(what) split into \(chunks.count) transactions",
                    metadata: ["operations": "\(pending.joined().count)", "limit": "\(operationLimit)"])
            }
            for chunk in chunks {
                let operations = Array(chunk.joined())
                let response = try await send("/v3/kv/txn", EtcdV3.TxnRequest(success: operations))
                if refusesAsTooManyOperations(response) {
                    try lowerOperationLimit(refused: operations.count, what: what)
                    break
                }
                try await accept(response, what: what)
                pending.removeFirst(chunk.count)
            }
        }
    }

    /// Whether etcd refused a transaction for holding more operations than its `--max-txn-ops`.
    func refusesAsTooManyOperations(_ response: HTTPExchange) -> Bool {
        guard response.status != .ok, let failure = try? response.decode(EtcdV3.ErrorResponse.self) else {
            return false
        }
        return EtcdV3.isTooManyOperations(failure)
    }

    func lowerOperationLimit(refused: Int, what: String) throws {
        guard let lowered = EtcdV3TxnChunks.lowered(operationLimit, refused: refused) else {
            throw PresenceError(
                .etcdRejected,
                "etcd refused the \(what) as too many operations even with one per transaction; "
                    + "start etcd with a --max-txn-ops of at least 2 (128 by default)")
        }
        logger.notice(
            """
            etcd refused a transaction of \(refused) operations (its --max-txn-ops is lower); writing at most \
            \(lowered) per transaction from now on, a registration larger than that in several
            """,
            metadata: ["limit": "\(lowered)"])
        operationLimit = lowered
    }

    /// The keys in groups that land together: a port's keys in the `keys` format (they share a directory
    /// below the container's), every other key alone; groups in key order, keys sorted within.
    static func groups(_ keys: some Sequence<String>, in directories: [String]) -> [[String]] {
        let byGroup = Dictionary(grouping: keys) { key -> String in
            let parent = String(key[..<(key.lastIndex(of: "/") ?? key.startIndex)])
            return directories.contains(parent) || parent.isEmpty ? key : parent
        }
        return byGroup.keys.sorted().map { byGroup[$0]!.sorted() }
    }
}
