/// Where registrations are written: etcd through its v3 or v2 API.
///
/// The reconciler decides what to write; a store only knows how to write it and how to keep it alive.
public protocol RegistrationStore: Sendable {
    /// Makes etcd hold `keys` for `container`, applying `plan` (the difference from what was written before).
    ///
    /// v3 writes a registration in one transaction up to etcd's `--max-txn-ops`, and a larger one in several,
    /// every put before any delete of a leftover, so a watcher never sees the container vanish in between.
    /// v2 has no transactions: keys land one by one.
    ///
    /// `isFirstWrite` is true when this agent has not written the container since it started or since its
    /// registration was lost: etcd may hold leftovers of an earlier run, which must go.
    func write(container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool) async throws

    /// Whether `write(_:)` carries several containers in one request. The reconciler hands such a store the
    /// writes of a pass together, in a few groups, rather than one container at a time.
    var writesTogether: Bool { get }

    /// Makes etcd hold each of `writes`, in as few requests as etcd accepts, and returns what became of each,
    /// in order: `nil` when it landed, else the failure, which is that container's alone (a refusal of one
    /// container is told apart from the others'), unless it concerns every write (a lost lease, an etcd that
    /// does not answer). A container's keys land together, as with `write(container:keys:plan:isFirstWrite:)`.
    func write(_ writes: [RegistrationWrite]) async -> [(any Error)?]

    /// Deletes every key of `container`, in each of its directories.
    func remove(container: String) async throws

    /// Deletes a directory of the layout and every key in it, whoever wrote them.
    func removeDirectory(_ directory: String) async throws

    /// Refreshes the TTL of the registrations of `containers`, without firing a watcher, and returns those etcd
    /// no longer holds (wholly or in part): the caller writes them again.
    ///
    /// Call it every interval, with no containers too: v2 also gives the TTL to a directory that a write etcd
    /// applied late recreated after its removal.
    ///
    /// A store that renews each registration with requests of its own (v2) sends every one of them even when
    /// some fail, so that a request etcd does not answer costs no other container its keys; it then throws
    /// `KeepAliveIncomplete` if it found registrations lost as well, else the failure.
    func keepAlive(containers: [String]) async throws -> [String]

    /// The keys etcd holds that this agent wrote: v3, every key on its lease; v2, the keys in the
    /// directories of `containers`. What a resync compares with what should be there.
    func heldKeys(containers: [String]) async throws -> [String: String]

    /// The container directories in the layout's host-scoped roots, whoever wrote them: what an earlier run of
    /// this host's agent may have left.
    func registeredDirectories() async throws -> [String]

    /// Stops keeping the current registrations alive and lets them expire: the next write starts afresh.
    /// Until they have expired, `removeAll` still removes them.
    func abandon() async

    /// Deletes everything the agent wrote, for shutdown: the registrations of `containers` (every name written
    /// since start) and whatever it abandoned that may not have expired yet.
    ///
    /// Returns only once etcd has confirmed that all of it is gone (a lease or directory that already expired
    /// counts as gone); otherwise it throws, so the caller never reports keys removed that are still there.
    func removeAll(containers: [String]) async throws

    /// Reads at once what etcd holds in the directories of `containers` (in the layout's host-scoped roots,
    /// every directory there), so that the first writes that follow find an earlier run's leftovers there
    /// rather than with a read each; `forgetExistingKeys()` ends that.
    func readExistingKeys(of containers: [String]) async throws

    /// Drops what `readExistingKeys(of:)` read: later first writes read etcd again.
    func forgetExistingKeys() async

    /// Whether etcd holds no key at all under the layout's roots, as after a clean stop: then no container has
    /// an earlier run's leftovers to look for. False when it cannot tell.
    func holdsNothing() async -> Bool

    /// Takes it, as `holdsNothing()` found, that no directory holds any key: in place of
    /// `readExistingKeys(of:)`, which `forgetExistingKeys()` ends likewise.
    func assumeNothingHeld() async

    /// Starts readying what writes need, and returns at once: v3 asks for its lease if it holds none. A pass
    /// calls it before Docker's listing, so that on a start the grant is not one more round trip after it. A
    /// failure is the writes' to report, when they ask again.
    func prepareForWrites()
}

extension RegistrationStore {
    /// A store that writes one container per request.
    public var writesTogether: Bool { false }

    public func write(_ writes: [RegistrationWrite]) async -> [(any Error)?] {
        await writeOneByOne(writes)
    }

    /// Writes each of `writes` with a request of its own, in order; what became of each, as `write(_:)`.
    public func writeOneByOne(_ writes: [RegistrationWrite]) async -> [(any Error)?] {
        var failures: [(any Error)?] = []
        for write in writes {
            do {
                try await self.write(
                    container: write.container, keys: write.keys, plan: write.plan, isFirstWrite: write.isFirstWrite)
                failures.append(nil)
            } catch {
                failures.append(error)
            }
        }
        return failures
    }

    /// A store whose writes need nothing readied.
    public func prepareForWrites() {}

    /// A store that cannot tell: its first writes look for leftovers as they would.
    public func holdsNothing() async -> Bool { false }
    public func assumeNothingHeld() async {}

    /// A store whose first writes read nothing.
    public func readExistingKeys(of containers: [String]) async throws {}
    public func forgetExistingKeys() async {}
}
