import Logging
import NIOHTTP1

extension EtcdV3Store {
    /// Every container of a pass goes in a few transactions rather than one each: at a start with a full host,
    /// etcd's work is per request far more than per key.
    public nonisolated var writesTogether: Bool { true }

    /// Writes as many containers per transaction as fit `operationLimit`, each container's operations whole in
    /// one, so a watcher sees a container appear at once, as with a write of its own. A container larger than
    /// one transaction is written alone, split as `commit` splits it.
    ///
    /// A refused transaction of several containers is sent again one container at a time, so that a refusal
    /// (a role that does not allow one container's keys, say) is that container's alone. A lost lease, or an
    /// etcd that does not answer, fails every write not yet landed: they concern them all.
    public func write(_ writes: [RegistrationWrite]) async -> [(any Error)?] {
        var outcome = [(any Error)?](repeating: nil, count: writes.count)
        var pending: [(index: Int, groups: [[EtcdV3.TxnRequest.Operation]])]
        do {
            let lease = try await leaseForWrites()
            let leftovers = try await leftoverKeys(of: writes.filter(\.isFirstWrite).map(\.container))
            pending = writes.enumerated().compactMap { index, write in
                let groups = operations(
                    of: write, lease: lease, leftovers: write.isFirstWrite ? leftovers[write.container] ?? [] : [])
                return groups.isEmpty ? nil : (index, groups)
            }
        } catch {
            return Array(repeating: error, count: writes.count)
        }
        func failRemaining(with error: any Error) {
            for write in pending { outcome[write.index] = error }
            pending = []
        }
        while !pending.isEmpty {
            let count = Self.leadingWritesThatFit(pending.map { $0.groups.joined().count }, limit: operationLimit)
            let batch = pending.prefix(count)
            do {
                if count == 1 {
                    try await commit(batch[0].groups, what: "write of \(writes[batch[0].index].container)")
                    pending.removeFirst()
                    continue
                }
                let operations = batch.flatMap { $0.groups.joined() }
                let what = "write of \(count) containers"
                let response = try await send("/v3/kv/txn", EtcdV3.TxnRequest(success: operations))
                if refusesAsTooManyOperations(response) {
                    try lowerOperationLimit(refused: operations.count, what: what)
                    continue
                }
                do {
                    try await accept(response, what: what)
                } catch let error as PresenceError where error.code == .leaseLost {
                    throw error
                } catch {
                    logger.debug("etcd refused a \(what); writing each alone", metadata: ["error": "\(error)"])
                    for write in batch {
                        do {
                            try await commit(write.groups, what: "write of \(writes[write.index].container)")
                        } catch let error as PresenceError where error.code == .leaseLost {
                            throw error
                        } catch {
                            outcome[write.index] = error
                        }
                    }
                }
                pending.removeFirst(count)
            } catch let error as PresenceError where error.code != .leaseLost && error.code != .etcdUnreachable {
                // Only a write of one container reaches here: its refusal is its own.
                outcome[pending[0].index] = error
                pending.removeFirst()
            } catch {
                failRemaining(with: error)
            }
        }
        return outcome
    }

    /// How many of the writes, from the first, fit one transaction of `limit` operations: one at least.
    static func leadingWritesThatFit(_ operationCounts: [Int], limit: Int) -> Int {
        var count = 0
        var operations = 0
        for next in operationCounts {
            if count > 0 && operations + next > limit { break }
            operations += next
            count += 1
        }
        return count
    }

    /// The keys each container's directories hold, for first writes: what `readExistingKeys(of:)` read, and the
    /// rest in transactions of range reads.
    private func leftoverKeys(of containers: [String]) async throws -> [String: [String]] {
        var keys: [String: [String]] = [:]
        var unknown: [String] = []
        for container in containers {
            if let known = knownKeys(inDirectoriesOf: container) { keys[container] = known } else { unknown.append(container) }
        }
        guard !unknown.isEmpty else { return keys }
        let byDirectory = try await keysByDirectory(unknown.flatMap(layout.directories(of:)))
        for container in unknown {
            keys[container] = layout.directories(of: container).flatMap { byDirectory[$0] ?? [] }
        }
        return keys
    }

    /// The keys in each of `directories` (an entry for each, empty when it holds none), in transactions of
    /// one range read per directory, up to `Reconciler.concurrency` of them side by side.
    func keysByDirectory(_ directories: [String]) async throws -> [String: [String]] {
        while true {
            let limit = operationLimit
            let chunks = stride(from: 0, to: directories.count, by: limit).map {
                Array(directories[$0..<min($0 + limit, directories.count)])
            }
            var keys: [String: [String]] = [:]
            var failure: (any Error)?
            var refusedAsTooMany: Int?
            _ = await forEachConcurrently(
                chunks, limit: Reconciler.concurrency,
                operation: { [self] chunk -> Result<[[String]]?, any Error> in
                    do { return .success(try await keysInRanges(chunk)) } catch { return .failure(error) }
                },
                handle: { chunk, answer in
                    switch answer {
                    case .success(let lists?):
                        for (directory, list) in zip(chunk, lists) { keys[directory, default: []] += list }
                        return true
                    case .success(nil):
                        refusedAsTooMany = chunk.count
                        return false
                    case .failure(let error):
                        failure = failure ?? error
                        return false
                    }
                })
            if let failure { throw failure }
            guard let refused = refusedAsTooMany else { return keys }
            try lowerOperationLimit(refused: refused, what: "read of \(refused) container directories")
        }
    }

    /// The keys in each of `directories`, in one transaction; `nil` when etcd refused it as too many operations.
    private func keysInRanges(_ directories: [String]) async throws -> [[String]]? {
        let operations = directories.map { directory in
            EtcdV3.TxnRequest.Operation(
                requestRange: .init(
                    key: EtcdV3.base64(directory + "/"), range_end: EtcdV3.rangeEnd(ofPrefix: directory + "/"),
                    keys_only: true))
        }
        let what = "read of \(directories.count) container directories"
        let response = try await send("/v3/kv/txn", EtcdV3.TxnRequest(success: operations))
        if refusesAsTooManyOperations(response) { return nil }
        try await accept(response, what: what)
        let answers = try? response.decode(EtcdV3.TxnResponse.self).responses ?? []
        guard let answers, answers.count == directories.count else {
            throw PresenceError(
                .etcdRejected, "etcd answered the \(what) with \(answers?.count ?? 0) of \(directories.count) ranges")
        }
        return answers.map { ($0.response_range?.kvs ?? []).compactMap { EtcdV3.decodeBase64($0.key) } }
    }
}
