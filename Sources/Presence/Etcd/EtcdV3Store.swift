import Logging
import NIOCore
import NIOHTTP1

/// Registrations on one lease through etcd's v3 JSON gateway.
///
/// Every key of every container hangs on the agent's lease, so keeping them alive is one request per interval
/// and removing them all at shutdown is one revoke. A lease the agent stopped keeping alive (`abandon()`) is
/// remembered until shutdown, which revokes it too: its keys may not have expired yet.
public actor EtcdV3Store: RegistrationStore {
    private let session: EtcdV3Session
    let layout: KeyLayout
    private let ttl: Int
    let logger: Logger
    private let metrics: PresenceMetrics
    private var lease: String?
    /// Leases given up while their keys were still alive, oldest first; revoked at shutdown.
    private(set) var abandonedLeases: [String] = []
    /// The most operations a transaction may hold: etcd's default `--max-txn-ops`, lowered when etcd refuses.
    var operationLimit = 128
    /// The keys of each container directory in the host-scoped roots, read at once for a pass of first writes.
    var existingKeys: [String: [String]]?
    /// Whether `existingKeys` holds every directory (the host's roots were read whole) or only those it names.
    private var existingKeysCoverEveryDirectory = false
    /// Whether a write was put on `lease`: one granted ahead of writes (`prepareForWrites()`) may carry none.
    private var leaseCarriesWrites = false
    /// Writes that wait for the lease another write is being granted: one lease for all of them.
    private var leaseWaiters: [CheckedContinuation<Void, Never>]?

    init(session: EtcdV3Session, layout: KeyLayout, ttl: Int, logger: Logger, metrics: PresenceMetrics = .disabled) {
        self.session = session
        self.layout = layout
        self.ttl = ttl
        self.logger = logger
        self.metrics = metrics
    }

    /// Writes `keys` on the lease in one transaction when it fits etcd's limit; otherwise in several (see
    /// `commit`): a watcher may then see the registration grow in steps, never shrink below what it was.
    public func write(
        container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool
    ) async throws {
        let lease = try await leaseForWrites()
        let write = RegistrationWrite(container: container, keys: keys, plan: plan, isFirstWrite: isFirstWrite)
        let leftovers = isFirstWrite ? try await keysInDirectories(of: container) : []
        let groups = operations(of: write, lease: lease, leftovers: leftovers)
        guard !groups.isEmpty else { return }
        try await commit(groups, what: "write of \(container)")
    }

    /// The operations of `write` in the groups that land together, puts first: on a first write, every key
    /// is put on `lease` and whatever else its directories hold (`leftovers`, an earlier run's, which may hang on
    /// another lease) is deleted.
    func operations(of write: RegistrationWrite, lease: String, leftovers: [String]) -> [[EtcdV3.TxnRequest.Operation]] {
        var puts = write.plan.puts
        var deletes = write.plan.deletes
        if write.isFirstWrite {
            puts = write.keys
            deletes = leftovers.filter { write.keys[$0] == nil }
        }
        let directories = layout.directories(of: write.container)
        let putGroups = EtcdV3Store.groups(puts.keys, in: directories).map { group in
            group.map {
                EtcdV3.TxnRequest.Operation(
                    requestPut: .init(key: EtcdV3.base64($0), value: EtcdV3.base64(puts[$0]!), lease: lease))
            }
        }
        let deleteGroups = EtcdV3Store.groups(deletes, in: directories).map { group in
            group.map { EtcdV3.TxnRequest.Operation(requestDeleteRange: .init(key: EtcdV3.base64($0))) }
        }
        return putGroups + deleteGroups
    }

    public func remove(container: String) async throws {
        // One transaction (a range delete per directory, a handful at most): a consumer never sees a container
        // in one format and gone from another.
        let operations = layout.directories(of: container).map {
            EtcdV3.TxnRequest.Operation(
                requestDeleteRange: .init(key: EtcdV3.base64($0 + "/"), range_end: EtcdV3.rangeEnd(ofPrefix: $0 + "/")))
        }
        _ = try await post("/v3/kv/txn", EtcdV3.TxnRequest(success: operations), what: "removal of \(container)")
    }

    public func removeDirectory(_ directory: String) async throws {
        let request = EtcdV3.DeleteRangeRequest(
            key: EtcdV3.base64(directory + "/"), range_end: EtcdV3.rangeEnd(ofPrefix: directory + "/"))
        _ = try await post("/v3/kv/deleterange", request, what: "removal of \(directory)")
    }

    public func keepAlive(containers: [String]) async throws -> [String] {
        guard let lease else { return [] }
        guard leaseCarriesWrites || !containers.isEmpty else {
            // Granted ahead of writes that never came (a start with nothing to register): it holds nothing, so
            // it is let expire rather than kept alive, and the first write is granted a new one.
            self.lease = nil
            return []
        }
        let response = try await post(
            "/v3/lease/keepalive", EtcdV3.LeaseRequest(ID: lease), what: "keep-alive of lease \(lease)")
        if let failure = try? response.decode(EtcdV3.ErrorResponse.self), !failure.text.isEmpty,
            !EtcdV3.isLeaseNotFound(failure)
        {
            // Any other error in the stream comes with status 200 too; it says nothing about the lease: keep it.
            throw await refusal(of: "keep-alive of lease \(lease)")
                .v3(status: response.status, failure: failure, body: response.bodyText)
        }
        let ttl = (try? response.decode(EtcdV3.KeepAliveResponse.self))?.result?.TTL.flatMap { Int($0) } ?? 0
        metrics.leaseKeepAlive(renewed: ttl > 0)
        guard ttl <= 0 else { return [] }
        // etcd answers a keep-alive of an unknown lease without a TTL: it expired or etcd lost its data.
        logger.warning(
            "etcd lost the lease; granting a new one and writing every key again",
            metadata: ["lease": "\(lease)", "containers": .array(containers.map { .string($0) })])
        self.lease = nil
        return containers
    }

    public func heldKeys(containers: [String]) async throws -> [String: String] {
        guard let lease else { return [:] }
        var held: [String: String] = [:]
        for root in layout.roots {
            for kv in try await range(under: root + "/", keysOnly: false, what: "read of \(root)")
            where kv.lease == lease {
                if let key = EtcdV3.decodeBase64(kv.key) { held[key] = kv.value.flatMap(EtcdV3.decodeBase64) ?? "" }
            }
        }
        return held
    }

    public func registeredDirectories() async throws -> [String] {
        var directories = Set<String>()
        for root in layout.hostScopedRoots {
            for kv in try await range(under: root + "/", keysOnly: true, what: "read of \(root)") {
                if let directory = EtcdV3.decodeBase64(kv.key).flatMap(layout.directory(containing:)) {
                    directories.insert(directory)
                }
            }
        }
        return directories.sorted()
    }

    /// Stops keeping the lease alive; its keys expire within the TTL unless `removeAll` revokes it first.
    public func abandon() {
        if let lease, !abandonedLeases.contains(lease) { abandonedLeases.append(lease) }
        lease = nil
    }

    /// Revokes the lease and every abandoned one, which removes every key the agent wrote; throws unless etcd
    /// confirmed each revoke or that the lease had already expired.
    public func removeAll(containers: [String]) async throws {
        if let lease {
            try await revoke(lease)
            self.lease = nil
        }
        while let abandoned = abandonedLeases.first {
            try await revoke(abandoned)
            abandonedLeases.removeFirst()
        }
    }

    private func revoke(_ id: String) async throws {
        let response = try await send("/v3/lease/revoke", EtcdV3.LeaseRequest(ID: id))
        if response.status == .ok { return }
        // Already expired, and its keys with it.
        if let failure = try? response.decode(EtcdV3.ErrorResponse.self), EtcdV3.isLeaseNotFound(failure) { return }
        throw await refusal(of: "revoke of lease \(id)").v3(response)
    }

    func currentLease() async throws -> String {
        // Writes run side by side: while one is granted a lease, the others wait for it rather than ask too.
        while leaseWaiters != nil { await withCheckedContinuation { leaseWaiters?.append($0) } }
        if let lease { return lease }
        leaseWaiters = []
        defer {
            let waiters = leaseWaiters ?? []
            leaseWaiters = nil
            for waiter in waiters { waiter.resume() }
        }
        let response = try await post("/v3/lease/grant", EtcdV3.LeaseGrantRequest(TTL: ttl), what: "lease grant")
        guard let id = try? response.decode(EtcdV3.LeaseGrantResponse.self).ID, !id.isEmpty else {
            throw PresenceError(.etcdRejected, "etcd granted no lease: \(response.bodyText.prefix(200))")
        }
        logger.debug("granted lease", metadata: ["lease": "\(id)", "ttl": "\(ttl)"])
        lease = id
        leaseCarriesWrites = false
        return id
    }

    /// The lease, for a write about to be put on it.
    func leaseForWrites() async throws -> String {
        let lease = try await currentLease()
        leaseCarriesWrites = true
        return lease
    }

    public nonisolated func prepareForWrites() {
        // Unstructured, so that the pass never waits for it: when etcd is slow or down, a pass with nothing to
        // write must not. Writes that come while the grant is on its way wait for it (`leaseWaiters`). A pass
        // with nothing to write leaves the lease unused, and the keep-alive lets it go (`leaseCarriesWrites`).
        Task { _ = try? await currentLease() }
    }

    public func readExistingKeys(of containers: [String]) async throws {
        // The writes that follow need a lease: it is asked for alongside the read, not after it. A failure
        // here is the writes' to report, when they ask again.
        async let lease: String? = try? currentLease()
        try await readKeys(inDirectoriesOf: containers)
        _ = await lease
    }

    private func readKeys(inDirectoriesOf containers: [String]) async throws {
        // The host's own roots are read whole; a root shared by every host would be read whole for a few
        // containers, so there only their directories are read.
        guard !layout.hostScopedRoots.isEmpty, layout.hostScopedRoots == layout.roots else {
            existingKeys = try await keysByDirectory(containers.flatMap(layout.directories(of:)))
            existingKeysCoverEveryDirectory = false
            return
        }
        var byDirectory: [String: [String]] = [:]
        for root in layout.roots {
            for kv in try await range(under: root + "/", keysOnly: true, what: "read of \(root)") {
                guard let key = EtcdV3.decodeBase64(kv.key), let directory = layout.directory(containing: key) else {
                    continue
                }
                byDirectory[directory, default: []].append(key)
            }
        }
        existingKeys = byDirectory
        existingKeysCoverEveryDirectory = true
    }

    public func holdsNothing() async -> Bool {
        do {
            for root in layout.roots {
                let found = try await range(under: root + "/", keysOnly: true, limit: 1, what: "read of \(root)")
                if !found.isEmpty { return false }
            }
            return true
        } catch {
            return false
        }
    }

    public func assumeNothingHeld() {
        existingKeys = [:]
        existingKeysCoverEveryDirectory = true
    }

    public func forgetExistingKeys() {
        existingKeys = nil
    }

    /// What `readExistingKeys(of:)` read of the directories of `container`, or `nil` when it read none of them.
    func knownKeys(inDirectoriesOf container: String) -> [String]? {
        guard let existingKeys else { return nil }
        let directories = layout.directories(of: container)
        guard existingKeysCoverEveryDirectory || directories.allSatisfy({ existingKeys[$0] != nil }) else { return nil }
        return directories.flatMap { existingKeys[$0] ?? [] }
    }

    private func keysInDirectories(of container: String) async throws -> [String] {
        if let known = knownKeys(inDirectoriesOf: container) { return known }
        var keys: [String] = []
        for directory in layout.directories(of: container) {
            keys += try await range(under: directory + "/", keysOnly: true, what: "read of \(container)")
                .compactMap { EtcdV3.decodeBase64($0.key) }
        }
        return keys
    }

    private func range(under prefix: String, keysOnly: Bool, limit: Int? = nil, what: String) async throws
        -> [EtcdV3.RangeResponse.KeyValue]
    {
        let request = EtcdV3.RangeRequest(
            key: EtcdV3.base64(prefix), range_end: EtcdV3.rangeEnd(ofPrefix: prefix), keys_only: keysOnly,
            limit: limit)
        let response = try await post("/v3/kv/range", request, what: what)
        return (try? response.decode(EtcdV3.RangeResponse.self))?.kvs ?? []
    }

    /// Posts a request and returns etcd's answer, whatever its status.
    func send(_ path: String, _ body: some Encodable) async throws -> HTTPExchange {
        try await session.post(path, ByteBuffer(bytes: try JSONEncoder().encode(body)))
    }

    /// Posts a request and throws unless etcd accepted it.
    func post(_ path: String, _ body: some Encodable, what: String) async throws -> HTTPExchange {
        let response = try await send(path, body)
        try await accept(response, what: what)
        return response
    }

    /// Throws unless etcd accepted the request; a lease etcd no longer knows is forgotten.
    func accept(_ response: HTTPExchange, what: String) async throws {
        guard response.status != .ok else { return }
        if let failure = try? response.decode(EtcdV3.ErrorResponse.self), EtcdV3.isLeaseNotFound(failure) {
            lease = nil
            metrics.leaseLost()
            throw PresenceError(.leaseLost, "etcd no longer knows the agent's lease (during the \(what))")
        }
        throw await refusal(of: what).v3(response)
    }

    /// The reading of etcd's refusal of the `what`: the agent reads and writes under every root of its layout.
    private func refusal(of what: String) async -> EtcdRefusal {
        await session.refusal(of: what, needs: .readWrite, on: layout.roots)
    }
}
