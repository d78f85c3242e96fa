import AsyncHTTPClient
import Foundation
import Logging
import PresenceTestSupport
import Testing

@testable import Presence

/// The v3 store against a real etcd: registrations larger than one transaction, and leases given up.
@Suite("The v3 store against a real etcd", .timeLimit(.minutes(3)))
struct EtcdV3StoreTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    static func store(endpoint: String, prefix: String, ttl: Int) throws -> EtcdV3Store {
        let logger = Logger(label: "store-test") { _ in SwiftLogNoOpLogHandler() }
        let transport = EtcdTransport(
            endpoints: [try EtcdEndpoint(endpoint)], httpClient: .shared, timeout: .seconds(5), logger: logger)
        return EtcdV3Store(
            session: EtcdV3Session(transport: transport, credentials: nil, logger: logger),
            layout: try KeyLayout(prefix: prefix), ttl: ttl, logger: logger)
    }

    /// The `keys` format of `ports` published ports of `container`, numbered from `first`.
    static func keys(prefix: String, container: String, ports: Range<Int>) -> [String: String] {
        var keys: [String: String] = [:]
        for port in ports {
            keys["\(prefix)/\(container)/\(port)/host"] = "192.0.2.1"
            keys["\(prefix)/\(container)/\(port)/port"] = String(port)
        }
        return keys
    }

    /// The start's question whether etcd holds anything where the agent writes: every root counts, other
    /// prefixes do not, and an etcd that cannot be asked holds something, as far as the agent can tell.
    @Test func holdsNothingLooksUnderEveryRootAndOnlyThere() async throws {
        let prefix = uniquePrefix()
        let zone = try SkyDNSDomain(template: uniqueName("zone") + ".example.org", hostname: "h1")
        let logger = Logger(label: "store-test") { _ in SwiftLogNoOpLogHandler() }
        func store(endpoint: String) throws -> EtcdV3Store {
            let transport = EtcdTransport(
                endpoints: [try EtcdEndpoint(endpoint)], httpClient: .shared, timeout: .seconds(2), logger: logger)
            return EtcdV3Store(
                session: EtcdV3Session(transport: transport, credentials: nil, logger: logger),
                layout: try KeyLayout(template: prefix, hostname: "h1", formats: [.keys, .skydns(zone)]),
                ttl: 60, logger: logger)
        }
        let reachable = try store(endpoint: etcd.endpoint)
        // A neighbour whose name starts like the prefix is not under it.
        try await etcd.put(prefix + "-neighbour/web/80/port", "80")
        #expect(await reachable.holdsNothing())
        try await etcd.put(zone.directory + "/web/x1", "{}")
        #expect(await !reachable.holdsNothing(), "a key under the zone's root")
        let other = try store(endpoint: "http://127.0.0.1:\(try freePort())")
        #expect(await !other.holdsNothing(), "an etcd that does not answer")
    }

    /// A start asks for the lease while Docker lists. When it then has nothing to write, the keep-alive lets
    /// that lease go rather than keep it alive for nothing, and the first write is granted a new one.
    @Test func aLeaseGrantedAheadOfWritesThatNeverCameIsNotKeptAlive() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: etcd.endpoint, prefix: prefix, ttl: 60)
        let before = try await etcd.leases()
        store.prepareForWrites()
        var ahead: Set<String> = []
        #expect(
            try await eventually {
                ahead = try await etcd.leases().subtracting(before)
                return !ahead.isEmpty
            } != nil)
        #expect(try await store.keepAlive(containers: []) == [])
        let keys = Self.keys(prefix: prefix, container: "web", ports: 80..<81)
        try await store.write(container: "web", keys: keys, plan: RegistrationPlan(puts: keys), isFirstWrite: true)
        let leases = Set(try await etcd.entries(under: prefix + "/").values.map(\.lease))
        #expect(leases.count == 1 && leases.isDisjoint(with: ahead), "written on \(leases); granted ahead \(ahead)")
        // That lease carries the write: it is kept alive.
        #expect(try await store.keepAlive(containers: ["web"]) == [])
        try await store.write(
            container: "db", keys: [prefix + "/db/1/port": "1"],
            plan: RegistrationPlan(puts: [prefix + "/db/1/port": "1"]), isFirstWrite: true)
        #expect(Set(try await etcd.entries(under: prefix + "/").values.map(\.lease)) == leases)
        try await store.removeAll(containers: ["web", "db"])
    }

    /// 200 published ports are 400 keys, beyond the 128 operations etcd takes in one transaction by default.
    @Test func aContainerWithTwoHundredPortsRegistersCompletely() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("wide")
        let ports = try freePortRange(count: 200)
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [], prefix: prefix, ttl: 600, interval: 300, extra: ["--all"])
        let started = ContinuousClock.now
        try await docker.start(
            name, ports: ["\(ports.lowerBound)-\(ports.upperBound):\(ports.lowerBound)-\(ports.upperBound)"])
        print("docker run with 200 published ports (userland proxy) took \(ContinuousClock.now - started)")
        let host = try await docker.expectedHostIP()
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: host)
        #expect(expected.count == 400)
        let mine = { try await etcd.keys(under: "\(prefix)/\(name)/") }
        let registered = try await eventually(timeout: .seconds(90)) { try await mine() == expected }
        let held = try await mine()
        #expect(registered != nil, "etcd holds \(held.count) of 400 keys; log: \(agent.log.suffix(3000))")
        let leases = Set(try await etcd.entries(under: "\(prefix)/\(name)/").values.map(\.lease))
        #expect(leases.count == 1 && !leases.contains("0"), "\(leases)")
        #expect(agent.log.contains("write of \(name) split into 4 transactions"), "\(agent.log.suffix(3000))")
        #expect(!agent.log.contains("too many operations"), "\(agent.log.suffix(3000))")
        try await docker.docker(["stop", "-t", "0", name])
        let removed = try await eventually(timeout: .seconds(60)) { try await mine().isEmpty }
        #expect(removed != nil, "\(agent.log.suffix(3000))")
        #expect(try await agent.terminate().status == 0)
    }

    /// etcd started with `--max-txn-ops 16`: the store halves its transactions until etcd takes them, and
    /// keeps the learned limit for the next write.
    @Test func aLowerMaxTxnOpsIsLearned() async throws {
        let server = try EtcdServer(flags: ["--max-txn-ops", "16"])
        try await server.start()
        let reader = EtcdReader(endpoint: server.endpoint)
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: server.endpoint, prefix: prefix, ttl: 60)
        let first = Self.keys(prefix: prefix, container: "first", ports: 8000..<8020)
        try await store.write(container: "first", keys: first, plan: RegistrationPlan(puts: first), isFirstWrite: true)
        #expect(try await reader.keys(under: "\(prefix)/first/") == first)
        #expect(await store.operationLimit == 16, "128 refused 40 operations, 32 refused 32, 16 went through")

        // Another port range in place of the first: 40 puts, then 40 deletes of the ports that left.
        let moved = Self.keys(prefix: prefix, container: "first", ports: 9000..<9020)
        try await store.write(
            container: "first", keys: moved, plan: RegistrationPlan(from: first, to: moved), isFirstWrite: false)
        #expect(try await reader.keys(under: "\(prefix)/first/") == moved)
        #expect(await store.operationLimit == 16)

        let second = Self.keys(prefix: prefix, container: "second", ports: 7000..<7030)
        try await store.write(
            container: "second", keys: second, plan: RegistrationPlan(puts: second), isFirstWrite: true)
        #expect(try await reader.keys(under: "\(prefix)/second/") == second)
        let leases = Set(try await reader.entries(under: prefix + "/").values.map(\.lease))
        #expect(leases.count == 1, "every key on the one lease, whatever the number of transactions")

        try await store.removeAll(containers: ["first", "second"])
        #expect(try await reader.keys(under: prefix + "/").isEmpty)
    }

    /// First writes of `count` containers, one port each, numbered from `first`.
    static func firstWrites(prefix: String, count: Int, first: Int = 8000) -> [RegistrationWrite] {
        (0..<count).map { index in
            let keys = Self.keys(prefix: prefix, container: "c\(index)", ports: (first + index)..<(first + index + 1))
            return RegistrationWrite(
                container: "c\(index)", keys: keys, plan: RegistrationPlan(puts: keys), isFirstWrite: true)
        }
    }

    /// The containers of a batch land in one transaction (one revision of etcd for all their keys), and what an
    /// earlier run left in their directories goes in it too, on etcd's own account of it.
    @Test func containersWrittenTogetherLandInOneTransaction() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: try TestEnvironment.etcd(), prefix: prefix, ttl: 60)
        try await etcd.put("\(prefix)/c3/9999/port", "left by an earlier run")
        try await etcd.put("\(prefix)/c3/9999/host", "left by an earlier run")
        try await etcd.put("\(prefix)/other/80/port", "another container's")
        let writes = Self.firstWrites(prefix: prefix, count: 20)
        let failures = await store.write(writes)
        #expect(failures.allSatisfy { $0 == nil }, "\(failures)")
        var expected = writes.reduce(into: [:]) { $0.merge($1.keys) { $1 } }
        expected["\(prefix)/other/80/port"] = "another container's"
        #expect(try await etcd.keys(under: prefix + "/") == expected)
        let revisions = try await etcd.revisions(under: prefix + "/").filter { !$0.key.contains("/other/") }
        #expect(Set(revisions.values).count == 1, "\(revisions)")
        let leases = try await etcd.entries(under: prefix + "/").filter { !$0.key.contains("/other/") }.values
        #expect(Set(leases.map(\.lease)).count == 1 && !leases.contains { $0.lease == "0" })
        try await store.removeAll(containers: writes.map(\.container))
        #expect(try await etcd.keys(under: prefix + "/") == ["\(prefix)/other/80/port": "another container's"])
    }

    /// With `--max-txn-ops 16`, 20 containers of 2 keys go in several transactions, split between containers:
    /// each container's keys still land together.
    @Test func aLowerMaxTxnOpsSplitsBetweenContainersNeverWithinOne() async throws {
        let server = try EtcdServer(flags: ["--max-txn-ops", "16"])
        try await server.start()
        let reader = EtcdReader(endpoint: server.endpoint)
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: server.endpoint, prefix: prefix, ttl: 60)
        let writes = Self.firstWrites(prefix: prefix, count: 20)
        let failures = await store.write(writes)
        #expect(failures.allSatisfy { $0 == nil }, "\(failures)")
        #expect(try await reader.keys(under: prefix + "/") == writes.reduce(into: [:]) { $0.merge($1.keys) { $1 } })
        #expect(await store.operationLimit == 16)
        let revisions = try await reader.revisions(under: prefix + "/")
        for write in writes {
            let own = Set(write.keys.keys.map { revisions[$0] })
            #expect(own.count == 1, "\(write.container): \(own)")
        }
        #expect(Set(revisions.values).count == 3, "40 operations in transactions of 16: 8, 8 and 4 containers")
    }

    /// A container etcd refuses (a value beyond its request size limit) fails alone: the others of its
    /// transaction land.
    @Test func aContainerEtcdRefusesFailsAloneInItsTransaction() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: try TestEnvironment.etcd(), prefix: prefix, ttl: 60)
        var writes = Self.firstWrites(prefix: prefix, count: 5)
        let huge = String(repeating: "x", count: 2 * 1024 * 1024)
        writes[2].keys["\(prefix)/c2/8002/host"] = huge
        writes[2].plan = RegistrationPlan(puts: writes[2].keys)
        let failures = await store.write(writes)
        #expect(failures[2] != nil)
        #expect(failures.enumerated().allSatisfy { $0.offset == 2 || $0.element == nil }, "\(failures)")
        let held = try await etcd.keys(under: prefix + "/")
        #expect(held == writes.filter { $0.container != "c2" }.reduce(into: [:]) { $0.merge($1.keys) { $1 } })
        try await store.removeAll(containers: writes.map(\.container))
    }

    /// Keys written before and after an abandoned lease are all removed at shutdown, at once, not at expiry.
    @Test func removeAllRevokesAbandonedLeases() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: try TestEnvironment.etcd(), prefix: prefix, ttl: 600)
        let before = Self.keys(prefix: prefix, container: "before", ports: 80..<82)
        try await store.write(
            container: "before", keys: before, plan: RegistrationPlan(puts: before), isFirstWrite: true)
        await store.abandon()
        let after = Self.keys(prefix: prefix, container: "after", ports: 80..<82)
        try await store.write(container: "after", keys: after, plan: RegistrationPlan(puts: after), isFirstWrite: true)
        let entries = try await etcd.entries(under: prefix + "/")
        #expect(entries.count == 8)
        let leases = Set(entries.values.map(\.lease))
        #expect(leases.count == 2, "the abandoned lease and the one granted after it: \(entries)")
        for lease in leases { #expect(try await etcd.lease(lease).remaining > 500) }

        try await store.removeAll(containers: ["before", "after"])
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "gone at once, with a TTL of 600 s")
        for lease in leases { #expect(try await etcd.lease(lease).remaining == -1, "lease \(lease) revoked") }
        #expect(await store.abandonedLeases.isEmpty)
    }

    /// A lease that expired before shutdown is no failure: its keys are gone with it.
    @Test func anAbandonedLeaseThatExpiredCountsAsRemoved() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: try TestEnvironment.etcd(), prefix: prefix, ttl: 5)
        let keys = Self.keys(prefix: prefix, container: "short", ports: 80..<81)
        // A busy machine may let so short a lease expire between its grant and the write: the store then
        // forgets it, and the next write is granted another, as the agent's would be.
        for attempt in 1...3 {
            do {
                try await store.write(
                    container: "short", keys: keys, plan: RegistrationPlan(puts: keys), isFirstWrite: true)
                break
            } catch let error as PresenceError where error.code == .leaseLost && attempt < 3 {
                continue
            }
        }
        await store.abandon()
        let expired = try await eventually(timeout: .seconds(30)) { try await etcd.keys(under: prefix + "/").isEmpty }
        #expect(expired != nil)
        try await store.removeAll(containers: ["short"])
        #expect(await store.abandonedLeases.isEmpty)
    }

    /// A removal etcd does not confirm is an error, and the abandoned lease is kept for the next attempt.
    @Test func anUnconfirmedRemovalThrows() async throws {
        let server = try EtcdServer()
        try await server.start()
        let prefix = uniquePrefix()
        let store = try Self.store(endpoint: server.endpoint, prefix: prefix, ttl: 600)
        let keys = Self.keys(prefix: prefix, container: "kept", ports: 80..<81)
        try await store.write(container: "kept", keys: keys, plan: RegistrationPlan(puts: keys), isFirstWrite: true)
        await store.abandon()
        server.stop()
        await #expect(throws: PresenceError.self) { try await store.removeAll(containers: ["kept"]) }
        #expect(await store.abandonedLeases.count == 1)
        try await server.start()
        let reader = EtcdReader(endpoint: server.endpoint)
        #expect(try await reader.keys(under: prefix + "/") == keys, "still there: the removal rightly failed")
        try await store.removeAll(containers: ["kept"])
        #expect(try await reader.keys(under: prefix + "/").isEmpty)
    }

    /// The agent renews its lease only right after Docker answered, so by the time it abandons the lease (a TTL
    /// of Docker's silence) the keys have expired with it. SIGTERM then still revokes the lease it knows of, and
    /// says the keys are removed only because it is true.
    @Test func sigtermAfterDockerFellSilentRemovesTheAbandonedKeys() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("abandoned")
        let proxy = try DockerProxy()
        try await proxy.start()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess(
            [
                "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", proxy.dockerHost, "--ttl", "4", "--interval", "1",
            ])
        #expect(try await eventually { try await etcd.keys(under: prefix + "/").count == 2 } != nil, "\(agent.log)")
        let lease = try #require(try await etcd.entries(under: prefix + "/").values.first?.lease)
        proxy.stop()
        let abandoned = try await eventually(timeout: .seconds(90)) {
            agent.log.contains("no longer keeping keys alive")
        }
        #expect(abandoned != nil, "\(agent.log)")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "expired with the lease, a TTL after Docker's answer")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty, "\(agent.log)")
        #expect(try await etcd.lease(lease).remaining == -1)
        #expect(agent.log.contains("all keys removed from etcd"))
    }
}
