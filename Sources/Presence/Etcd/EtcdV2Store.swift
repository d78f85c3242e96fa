import Logging
import NIOCore
import NIOHTTP1

/// Registrations as the original agent wrote them, through etcd's v2 keys API: a directory per container that
/// carries the TTL, holding the keys.
///
/// Every key carries the TTL as well. A v2 write cannot be made conditional on its directory, and a PUT that
/// etcd applies late (after the request timed out), once the directory was deleted or expired, makes etcd
/// create the missing parents as permanent directories: a key without a TTL of its own would then live
/// forever. So a keep-alive refreshes each directory and each key (`refresh=true`, which fires no watcher),
/// and nothing the agent writes outlives it by more than one TTL.
///
/// The parents a late PUT creates hold no TTL either. For one TTL after the agent deletes a directory, each
/// keep-alive gives it the TTL again if it is back (`refresh` of a directory that does not exist is a 404),
/// so a late key's parents expire with it; at shutdown those directories are deleted again.
///
/// etcd 3.5 refuses to renew a directory's TTL over v2. There directories are made without a TTL, the keys'
/// own TTLs carry the registration, and a directory recreated by a late write is deleted again; what a killed
/// agent leaves behind is empty directories, its keys expire.
public actor EtcdV2Store: RegistrationStore {
    let transport: EtcdTransport
    let layout: KeyLayout
    let ttl: Int
    let credentials: EtcdCredentials?
    let logger: Logger
    private let metrics: PresenceMetrics
    /// The keys last written for each container: what a keep-alive refreshes besides its directories.
    private var written: [String: Set<String>] = [:]
    /// Directories the agent deleted, with when: a write sent before may still land and recreate them.
    private var settling: [String: ContinuousClock.Instant] = [:]
    /// Whether this etcd renews a directory's TTL: etcd 3.4 does, 3.5 refuses every update of a directory
    /// ("Not a file"). Learnt at the first directory the agent creates; nil until then.
    var directoryTTLRenews: Bool?

    init(
        transport: EtcdTransport, layout: KeyLayout, ttl: Int, credentials: EtcdCredentials? = nil, logger: Logger,
        metrics: PresenceMetrics = .disabled
    ) {
        self.transport = transport
        self.layout = layout
        self.ttl = ttl
        self.credentials = credentials
        self.logger = logger
        self.metrics = metrics
    }

    public func write(
        container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool
    ) async throws {
        let directories = layout.directories(of: container)
        for directory in directories { settling[directory] = nil }
        // Until the write is through, refresh whatever it may have put: a key that did not land is a 404, and
        // the registration is written again.
        written[container, default: []].formUnion(keys.keys)
        var recreated: [String] = []
        for directory in directories {
            if isFirstWrite {
                // Leftovers of an earlier run must not survive next to the new keys.
                try await delete(directory, recursive: true)
                try await createDirectory(directory)
                recreated.append(directory)
            } else if try await !refresh(directory: directory) {
                // The directory expired: keys put now would create parents without a TTL, so recreate it first.
                try await createDirectory(directory)
                recreated.append(directory)
            }
        }
        let isInRecreated = { (key: String) in recreated.contains { key.hasPrefix($0 + "/") } }
        let puts = keys.filter { isInRecreated($0.key) }.merging(plan.puts) { $1 }
        for (key, value) in puts.sorted(by: { $0.key < $1.key }) {
            try await put(key, value: value)
        }
        let deletes = plan.deletes.filter { !isInRecreated($0) }
        for key in deletes {
            try await delete(key, recursive: false)
        }
        // A port that is gone from the keys format leaves its directory behind; remove those that no longer hold
        // a key (never a container's own directory).
        let emptied = Set(deletes.map(EtcdV2Store.parent)).filter { port in
            !directories.contains(port) && !keys.keys.contains { $0.hasPrefix(port + "/") }
        }
        for port in emptied.sorted() {
            try await delete(port, recursive: true)
        }
        written[container] = Set(keys.keys)
    }

    public func remove(container: String) async throws {
        for directory in layout.directories(of: container) {
            try await removeDirectory(directory)
        }
        written[container] = nil
    }

    public func removeDirectory(_ directory: String) async throws {
        try await delete(directory, recursive: true)
        settling[directory] = .now
    }

    /// Refreshes each container's directories and keys, without firing a watcher: one request for each, up to
    /// `Reconciler.concurrency` side by side. Every refresh is sent whatever became of the others: one that etcd
    /// takes but never answers must not hold back the refreshes of the containers after it until their keys
    /// expire.
    public func keepAlive(containers: [String]) async throws -> [String] {
        let refreshes = containers.flatMap { container in
            let directories = layout.directories(of: container)
            let keys = (written[container] ?? []).sorted()
            return directories.map { Refresh(container: container, path: $0, isDirectory: true) }
                + keys.map { Refresh(container: container, path: $0, isDirectory: false) }
        }
        var lost: Set<String> = []
        var unanswered: Set<String> = []
        var failure: (any Error)?
        _ = await forEachConcurrently(
            refreshes, limit: Reconciler.concurrency,
            operation: { [self] refresh -> Result<Bool, any Error> in
                do {
                    if refresh.isDirectory { return .success(try await self.refresh(directory: refresh.path)) }
                    return .success(try await self.refresh(key: refresh.path))
                } catch {
                    return .failure(error)
                }
            },
            handle: { refresh, outcome in
                switch outcome {
                case .success(true): break
                case .success(false): lost.insert(refresh.container)
                case .failure(let error):
                    unanswered.insert(refresh.container)
                    failure = failure ?? error
                }
                return true
            })
        let lostInOrder = containers.filter { lost.contains($0) }
        for container in lostInOrder {
            logger.warning(
                "etcd lost the container's directory or one of its keys; writing its keys again",
                metadata: ["container": "\(container)"])
        }
        // A directory's TTL is what v2 has for a lease: one keep-alive per container that etcd answered whole.
        for container in containers where !unanswered.contains(container) || lost.contains(container) {
            metrics.leaseKeepAlive(renewed: !lost.contains(container))
        }
        await settle(keeping: containers)
        guard let failure else { return lostInOrder }
        if lostInOrder.isEmpty { throw failure }
        throw KeepAliveIncomplete(lost: lostInOrder, failure: failure)
    }

    /// One refresh of a keep-alive: a directory's TTL or a key's.
    private struct Refresh: Sendable {
        let container: String
        let path: String
        let isDirectory: Bool
    }

    /// Gives the TTL to a deleted directory that a late write recreated, for one TTL after its deletion.
    private func settle(keeping containers: [String]) async {
        let kept = Set(containers.flatMap(layout.directories(of:)))
        let now = ContinuousClock.now
        for (directory, deleted) in settling.sorted(by: { $0.key < $1.key }) {
            guard !kept.contains(directory) else {
                settling[directory] = nil
                continue
            }
            do {
                if directoryTTLRenews == false {
                    // No TTL can be given to it: whatever a late write put there goes now.
                    if try await delete(directory, recursive: true) {
                        logger.notice(
                            "a write that etcd applied late recreated a deleted directory; deleted it again",
                            metadata: ["directory": "\(directory)"])
                    }
                } else if try await refresh(directory: directory) {
                    logger.notice(
                        "a write that etcd applied late recreated a deleted directory; it now expires within the TTL",
                        metadata: ["directory": "\(directory)"])
                }
            } catch {
                // Tried again at the next keep-alive; the keep-alive itself went through.
                logger.debug("\(error)", metadata: ["directory": "\(directory)"])
                continue
            }
            if now - deleted > .seconds(ttl) { settling[directory] = nil }
        }
    }

    public func heldKeys(containers: [String]) async throws -> [String: String] {
        var held: [String: String] = [:]
        for container in containers {
            for directory in layout.directories(of: container) {
                let response = try await send(.GET, EtcdV2KeyPath.of(directory), query: "recursive=true")
                if response.status == .notFound { continue }
                try await check(response, what: "read of \(directory)")
                if let node = (try? response.decode(EtcdV2Listing.self))?.node {
                    EtcdV2Store.collect(node, into: &held)
                }
            }
        }
        return held
    }

    private static func collect(_ node: EtcdV2Listing.Node, into held: inout [String: String]) {
        if let key = node.key, let value = node.value { held[key] = value }
        for child in node.nodes ?? [] { collect(child, into: &held) }
    }

    public func registeredDirectories() async throws -> [String] {
        var directories: [String] = []
        for root in layout.hostScopedRoots {
            let response = try await send(.GET, EtcdV2KeyPath.of(root.isEmpty ? "/" : root))
            if response.status == .notFound { continue }
            try await check(response, what: "read of \(root)")
            let listing = try? response.decode(EtcdV2Listing.self)
            directories += (listing?.node?.nodes ?? []).compactMap { $0.key.flatMap(layout.directory(containing:)) }
        }
        return directories.sorted()
    }

    /// Stops refreshing the keys written so far; the reconciler writes them afresh once Docker answers.
    public func abandon() {
        written.removeAll()
    }

    /// Deletes the directories of `containers`, and again those deleted before that a late write may have
    /// recreated; throws unless etcd confirmed each deletion or that the directory was gone.
    public func removeAll(containers: [String]) async throws {
        for directory in Set(containers.flatMap(layout.directories(of:))).union(settling.keys).sorted() {
            try await delete(directory, recursive: true)
        }
        written.removeAll()
        settling.removeAll()
    }
}
