import Synchronization
import Testing

@testable import Presence

@Suite("The reconciler writes only the difference")
struct ReconcilerTests {
    let docker = FakeDocker()
    let store = FakeStore()

    func reconciler(
        _ names: [String] = ["web"], all: Bool = false, hostIP: String? = nil, prefix: String = "/containers",
        ttl: Duration = .seconds(60), heartbeat: DockerHeartbeat = DockerHeartbeat()
    ) throws -> Reconciler {
        try .underTest(
            docker: docker, store: store, names: names, all: all, prefix: prefix, hostIP: hostIP, ttl: ttl,
            heartbeat: heartbeat)
    }

    static func web(
        name: String = "web", id: String = "1", running: Bool = true, paused: Bool = false, port: Int = 8080,
        labels: [String: String] = [:]
    ) -> ContainerSnapshot {
        ContainerSnapshot(
            name: name, id: id, isRunning: running, isPaused: paused,
            bindings: [PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: port)], labels: labels)
    }

    @Test func registersARunningContainerWithTheBridgeGateway() async throws {
        await docker.set(Self.web(), named: "web")
        try await reconciler().resync()
        #expect(await store.keys == ["/containers/web/80/host": "172.17.0.1", "/containers/web/80/port": "8080"])
    }

    /// A fresh Docker 20.10 lists its bridge's subnet without a gateway; the bridge has the subnet's first host.
    @Test func aBridgeWithoutGatewayIsAtTheFirstHostOfItsSubnet() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.setBridge(BridgeNetwork(ipv4: .init(subnet: Subnet("198.51.100.0/24")), interface: "docker0"))
        try await reconciler().resync()
        #expect(await store.keys["/containers/web/80/host"] == "198.51.100.1")
    }

    @Test func aContainersGatewayStandsInForAnEngineWithoutABridge() async throws {
        var web = Self.web()
        web.bridgeGateway = "198.51.100.1"
        await docker.set(web, named: "web")
        await docker.setBridge(nil)
        try await reconciler().resync()
        #expect(await store.keys["/containers/web/80/host"] == "198.51.100.1")
    }

    @Test func theOriginalHostIPOnlyWhenNothingIsKnown() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.setBridge(nil)
        try await reconciler().resync()
        #expect(await store.keys["/containers/web/80/host"] == "172.17.42.1")
    }

    @Test func aChangedBridgeRewritesEveryRegistrationAtTheNextResync() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        await docker.setBridge(BridgeNetwork(ipv4: .init(subnet: Subnet("203.0.113.0/24"), gateway: "203.0.113.1")))
        try await reconciler.resync()
        #expect(await store.keys["/containers/web/80/host"] == "203.0.113.1")
    }

    @Test func anUnchangedContainerCostsOnlyTheKeepAlive() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        await store.clearCalls()
        try await reconciler.resync()
        try await reconciler.reconcile(["1"])
        try await reconciler.keepAlive()
        try await reconciler.keepAlive()
        #expect(await store.calls == [.keepAlive(["web"]), .keepAlive(["web"])])
    }

    @Test func waitsForAMissingContainerThenRegistersIt() async throws {
        let reconciler = try reconciler()
        try await reconciler.resync()
        #expect(await store.keys.isEmpty)
        await docker.set(Self.web(), named: "web")
        try await reconciler.resync()
        #expect(await store.keys.count == 2)
    }

    @Test(arguments: [(false, false), (true, true)])
    func stoppedOrPausedContainersAreDeregistered(running: Bool, paused: Bool) async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        await docker.set(Self.web(running: running, paused: paused), named: "web")
        try await reconciler.resync()
        #expect(await store.keys.isEmpty)
        #expect(await store.calls.last == .remove("web"))
        #expect(await reconciler.registrations.isEmpty)
    }

    @Test func aRecreatedContainerWithAnotherPortWritesOnlyTheChange() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        await docker.set(Self.web(port: 9999), named: "web")
        try await reconciler.resync()
        #expect(await store.keys["/containers/web/80/port"] == "9999")
        #expect(await store.calls.last == .write("web", first: false, puts: 1, deletes: 0))
    }

    @Test func aRegistrationEtcdLostIsWrittenAgainInTheSamePass() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        await store.loseOnNextKeepAlive(["web"])
        try await reconciler.keepAlive()
        #expect(await store.keys.count == 2)
        #expect(await store.calls.last == .write("web", first: true, puts: 2, deletes: 0))
        #expect(await docker.inspections == 1, "the rewrite needs no Docker call")
    }

    /// A keep-alive that found one registration lost and left another's refresh unanswered: the lost one is
    /// written again at once, and the keep-alive is still owed, so the caller retries it.
    @Test func aRegistrationLostInAnIncompleteKeepAliveIsWrittenAgainAtOnce() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.set(Self.web(name: "api", id: "2", port: 1), named: "api")
        let reconciler = try reconciler(["web", "api"])
        try await reconciler.resync()
        await store.loseOnNextKeepAlive(["web"], unansweredAsWell: true)
        await #expect(throws: PresenceError.self) { try await reconciler.keepAlive() }
        #expect(await store.keys.count == 4)
        #expect(await store.calls.last == .write("web", first: true, puts: 2, deletes: 0))
        #expect(await reconciler.owesKeepAlive)
        try await reconciler.keepAlive()
        #expect(await !reconciler.owesKeepAlive)
    }

    @Test func aLostLeaseDuringAWriteRewritesEverythingNextPass() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.set(Self.web(name: "api", id: "2", port: 1), named: "api")
        let reconciler = try reconciler(["web", "api"])
        try await reconciler.resync()
        await docker.set(Self.web(name: "api", id: "2", port: 2), named: "api")
        await store.failNextWrite()
        await #expect(throws: PresenceError.self) { try await reconciler.resync() }
        #expect(await reconciler.registrations.isEmpty)
        try await reconciler.resync()
        #expect(await store.keys.count == 4)
    }

    @Test func dockerFailuresWriteNothing() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.setReachable(false)
        let reconciler = try reconciler()
        await #expect(throws: PresenceError.self) { try await reconciler.resync() }
        #expect(await store.calls.isEmpty)
    }

    @Test func aKeepAliveRenewsOnlyRightAfterDockerAnswered() async throws {
        await docker.set(Self.web(), named: "web")
        let clock = TestClock()
        let reconciler = try reconciler(ttl: .seconds(60), heartbeat: DockerHeartbeat(clock: clock))
        try await reconciler.resync()
        await docker.setReachable(false)
        await store.clearCalls()
        await #expect(throws: PresenceError.self) { try await reconciler.keepAlive() }
        #expect(await store.calls.isEmpty, "no renewal without an answer from Docker: keys outlive it by one TTL")
        #expect(await reconciler.owesKeepAlive, "the caller is told to try the keep-alive again")
        #expect(await !store.abandoned, "a short silence abandons nothing")
        clock.advance(by: .seconds(61))
        await #expect(throws: PresenceError.self) { try await reconciler.keepAlive() }
        #expect(await store.calls.isEmpty, "no keep-alive after a TTL of silence")
        #expect(await store.abandoned)
        #expect(await reconciler.registrations.isEmpty)
        await docker.setReachable(true)
        try await reconciler.resync()
        #expect(await store.calls.last == .write("web", first: true, puts: 2, deletes: 0))
        try await reconciler.keepAlive()
        #expect(await store.calls.last == .keepAlive(["web"]))
        #expect(await !reconciler.owesKeepAlive)
    }

    /// A container the listing tells all about is registered as its inspect would have it, without one; the
    /// others are inspected.
    @Test func whatTheListingTellsAllAboutIsNotInspected() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.set(Self.web(name: "db", id: "2", port: 8081), named: "db")
        await docker.set(Self.web(name: "cache", id: "3", port: 8082), named: "cache")
        await docker.tellByListing(["web", "cache"])
        try await reconciler(all: true).resync()
        #expect(await docker.inspections == 1, "only db is inspected")
        #expect(
            await store.keys == [
                "/containers/web/80/host": "172.17.0.1", "/containers/web/80/port": "8080",
                "/containers/db/80/host": "172.17.0.1", "/containers/db/80/port": "8081",
                "/containers/cache/80/host": "172.17.0.1", "/containers/cache/80/port": "8082",
            ])
    }

    @Test func everyEventForOneContainerInABurstCostsOneInspect() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        let queue = WorkQueue()
        for _ in 0..<100 { queue.add(container: "1") }
        try await reconciler.reconcile(queue.take().containers)
        #expect(await docker.inspections == 1)
        #expect(queue.take().isEmpty)
    }

    @Test func eventsThatMatterOnlyToRegisteredContainersCostNothingOtherwise() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.set(Self.web(name: "db", id: "9"), named: "db")
        let reconciler = try reconciler()
        try await reconciler.resync()
        let before = await docker.inspections
        try await reconciler.reconcile([], ifKnown: ["9"])
        #expect(await docker.inspections == before, "db is not registered: no inspect")
        await docker.set(Self.web(running: false), named: "web")
        try await reconciler.reconcile([], ifKnown: ["1"])
        #expect(await store.keys.isEmpty, "web is registered: inspected and deregistered")
    }

    @Test func aDieEventDeregistersWithoutAskingDocker() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        let before = await docker.inspections
        try await reconciler.deregister(["1", "unknown"])
        #expect(await store.keys.isEmpty)
        #expect(await docker.inspections == before)
        #expect(await store.calls.last == .remove("web"))
    }

    @Test func aLongPassServesTheKeepAliveBetweenContainers() async throws {
        for index in 0..<5 {
            await docker.set(Self.web(name: "c\(index)", id: "\(index)", port: 1000 + index), named: "c\(index)")
        }
        let reconciler = try reconciler([], all: true)
        try await reconciler.resync()
        await store.clearCalls()
        let asked = Mutex(0)
        try await reconciler.reconcile(["0", "1", "2"]) {
            asked.withLock {
                $0 += 1
                return $0 == 2
            }
        }
        #expect(await store.calls.filter { if case .keepAlive = $0 { true } else { false } }.count == 1)
    }

    @Test func allRegistersEveryPublishingContainerAndRemovesDestroyedOnes() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.set(Self.web(name: "api", id: "2", port: 9000), named: "api")
        await docker.set(Self.web(name: "db", id: "3", port: 5432, labels: ["presence.ignore": "true"]), named: "db")
        let reconciler = try reconciler([], all: true)
        try await reconciler.resync()
        #expect(await store.keys.count == 4)
        #expect(await store.keys["/containers/db/80/port"] == nil)
        await docker.set(nil, named: "api")
        try await reconciler.reconcile(["2"])
        #expect(await store.keys.count == 2)
        #expect(await store.calls.last == .remove("api"))
    }

    @Test func aRenamedContainerMovesItsKeys() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler([], all: true)
        try await reconciler.resync()
        await docker.set(nil, named: "web")
        await docker.set(Self.web(name: "web2"), named: "web2")
        try await reconciler.reconcile(["1"])
        #expect(Set(await store.keys.keys) == ["/containers/web2/80/host", "/containers/web2/80/port"])
    }

    @Test func twoContainersClaimingOneNameRegisterOnlyTheFirst() async throws {
        await docker.set(Self.web(name: "a", id: "1", labels: ["presence.name": "svc"]), named: "a")
        await docker.set(Self.web(name: "b", id: "2", port: 9, labels: ["presence.name": "svc"]), named: "b")
        let reconciler = try reconciler([], all: true)
        try await reconciler.resync()
        #expect(await store.keys == ["/containers/svc/80/host": "172.17.0.1", "/containers/svc/80/port": "8080"])
    }

    @Test func aResyncCorrectsKeysThatDriftedFromWhatWasWritten() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.resync()
        // A late write landed after the agent gave up on it, and someone changed a value.
        await store.seed(["/containers/web/9999/port": "1", "/containers/web/80/port": "1"])
        try await reconciler.resync()
        #expect(await store.keys == ["/containers/web/80/host": "172.17.0.1", "/containers/web/80/port": "8080"])
    }

    @Test func aHostScopedPrefixRemovesLeftoversAtStartOnly() async throws {
        await docker.set(Self.web(), named: "web")
        await store.seed(["/containers/old/80/port": "1", "/containers/web/81/port": "2"])
        let reconciler = try reconciler(prefix: "/containers")
        try await reconciler.resync()
        #expect(await store.keys["/containers/old/80/port"] == "1", "a shared prefix may hold other hosts' keys")
    }

    @Test func aHostScopedPrefixRemovesKeysOfContainersNotRunningHere() async throws {
        let store = FakeStore(prefix: "/hosts/{hostname}")
        await docker.set(Self.web(), named: "web")
        await store.seed(["/hosts/h1/old/80/port": "1", "/hosts/h1/web/81/port": "2"])
        let reconciler = try Reconciler.underTest(docker: docker, store: store, all: true, prefix: "/hosts/{hostname}")
        try await reconciler.resync()
        #expect(await store.keys == ["/hosts/h1/web/80/host": "172.17.0.1", "/hosts/h1/web/80/port": "8080"])
        #expect(await store.calls.first == .removeDirectory("/hosts/h1/old"))
    }

    @Test func shutdownRemovesEverythingItWrote() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler(hostIP: "203.0.113.9")
        try await reconciler.resync()
        #expect(await store.keys["/containers/web/80/host"] == "203.0.113.9")
        try await reconciler.deregisterAll()
        #expect(await store.calls.last == .removeAll(["web"]))
        #expect(await store.keys.isEmpty)
    }
}
