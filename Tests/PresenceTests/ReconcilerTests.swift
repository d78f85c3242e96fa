import Logging
import Testing

@testable import Presence

/// Docker as the tests set it: a map of containers, and a switch to make it unreachable.
actor FakeDocker: DockerAPI {
    var containers: [String: ContainerSnapshot] = [:]
    var reachable = true
    var gateway: String? = "172.17.0.1"

    func set(_ snapshot: ContainerSnapshot?, named name: String) { containers[name] = snapshot }
    func setReachable(_ value: Bool) { reachable = value }

    func container(named name: String) async throws -> ContainerSnapshot? {
        guard reachable else { throw PresenceError(.dockerUnreachable, "docker is down") }
        return containers[name]
    }

    func bridgeGateway() async throws -> String? {
        guard reachable else { throw PresenceError(.dockerUnreachable, "docker is down") }
        return gateway
    }
}

/// etcd as a dictionary, recording every call so tests can assert what was and was not written.
actor FakeStore: RegistrationStore {
    enum Call: Equatable {
        case write(String, first: Bool, puts: Int, deletes: Int)
        case remove(String)
        case keepAlive([String])
        case removeAll([String])
    }

    var keys: [String: String] = [:]
    var calls: [Call] = []
    var lose: [String] = []
    var failNextWriteWithLeaseLost = false

    func loseOnNextKeepAlive(_ containers: [String]) { lose = containers }
    func failNextWrite() { failNextWriteWithLeaseLost = true }
    func clearCalls() { calls = [] }

    func write(container: String, keys desired: [String: String], plan: RegistrationPlan, isFirstWrite: Bool) async throws {
        if failNextWriteWithLeaseLost {
            failNextWriteWithLeaseLost = false
            keys = [:]
            throw PresenceError(.leaseLost, "lease lost")
        }
        calls.append(.write(container, first: isFirstWrite, puts: plan.puts.count, deletes: plan.deletes.count))
        let directory = "/containers/\(container)/"
        keys = keys.filter { !$0.key.hasPrefix(directory) }.merging(desired) { $1 }
    }

    func remove(container: String) async throws {
        calls.append(.remove(container))
        keys = keys.filter { !$0.key.hasPrefix("/containers/\(container)/") }
    }

    func keepAlive(containers: [String]) async throws -> [String] {
        calls.append(.keepAlive(containers))
        defer { lose = [] }
        for name in lose { keys = keys.filter { !$0.key.hasPrefix("/containers/\(name)/") } }
        return lose
    }

    func removeAll(containers: [String]) async throws {
        calls.append(.removeAll(containers))
        keys = [:]
    }
}

@Suite("The reconciler writes only the difference")
struct ReconcilerTests {
    let docker = FakeDocker()
    let store = FakeStore()

    func reconciler(_ names: [String] = ["web"], hostIP: String? = nil) throws -> Reconciler {
        Reconciler(
            containers: names, docker: docker, store: store, layout: try KeyLayout(prefix: "/containers"),
            hostIP: hostIP, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func web(running: Bool = true, paused: Bool = false, port: Int = 8080) -> ContainerSnapshot {
        ContainerSnapshot(
            name: "web", id: "1", isRunning: running, isPaused: paused,
            bindings: [PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: port)])
    }

    @Test func registersARunningContainerWithTheBridgeGateway() async throws {
        await docker.set(Self.web(), named: "web")
        try await reconciler().sync()
        #expect(await store.keys == ["/containers/web/80/host": "172.17.0.1", "/containers/web/80/port": "8080"])
    }

    @Test func fallsBackToTheOriginalHostIPWhenDockerReportsNoGateway() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.setGateway(nil)
        try await reconciler().sync()
        #expect(await store.keys["/containers/web/80/host"] == "172.17.42.1")
    }

    @Test func anUnchangedContainerCostsOnlyTheKeepAlive() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.sync()
        await store.clearCalls()
        try await reconciler.sync()
        try await reconciler.sync()
        #expect(await store.calls == [.keepAlive(["web"]), .keepAlive(["web"])])
    }

    @Test func waitsForAMissingContainerThenRegistersIt() async throws {
        let reconciler = try reconciler()
        try await reconciler.sync()
        #expect(await store.keys.isEmpty)
        await docker.set(Self.web(), named: "web")
        try await reconciler.sync()
        #expect(await store.keys.count == 2)
    }

    @Test(arguments: [(false, false), (true, true)])
    func stoppedOrPausedContainersAreDeregistered(running: Bool, paused: Bool) async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.sync()
        await docker.set(Self.web(running: running, paused: paused), named: "web")
        try await reconciler.sync()
        #expect(await store.keys.isEmpty)
        #expect(await store.calls.last == .remove("web"))
        #expect(await reconciler.registrations.isEmpty)
    }

    @Test func aRecreatedContainerWithAnotherPortWritesOnlyTheChange() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.sync()
        await docker.set(Self.web(port: 9999), named: "web")
        try await reconciler.sync()
        #expect(await store.keys["/containers/web/80/port"] == "9999")
        #expect(await store.calls.last == .write("web", first: false, puts: 1, deletes: 0))
    }

    @Test func aRegistrationEtcdLostIsWrittenAgainInTheSamePass() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler()
        try await reconciler.sync()
        await store.loseOnNextKeepAlive(["web"])
        try await reconciler.sync()
        #expect(await store.keys.count == 2)
        #expect(await store.calls.last == .write("web", first: true, puts: 2, deletes: 0))
    }

    @Test func aLostLeaseDuringAWriteRewritesEverythingNextPass() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.set(Self.web(port: 1), named: "api")
        let reconciler = try reconciler(["web", "api"])
        try await reconciler.sync()
        await docker.set(Self.web(port: 2), named: "api")
        await store.failNextWrite()
        await #expect(throws: PresenceError.self) { try await reconciler.sync() }
        #expect(await reconciler.registrations.isEmpty)
        try await reconciler.sync()
        #expect(await store.keys.count == 4)
    }

    @Test func dockerFailuresWriteNothing() async throws {
        await docker.set(Self.web(), named: "web")
        await docker.setReachable(false)
        let reconciler = try reconciler()
        await #expect(throws: PresenceError.self) { try await reconciler.sync() }
        #expect(await store.calls.isEmpty)
    }

    @Test func shutdownRemovesEverythingItWrote() async throws {
        await docker.set(Self.web(), named: "web")
        let reconciler = try reconciler(hostIP: "203.0.113.9")
        try await reconciler.sync()
        #expect(await store.keys["/containers/web/80/host"] == "203.0.113.9")
        try await reconciler.deregisterAll()
        #expect(await store.calls.last == .removeAll(["web"]))
        #expect(await store.keys.isEmpty)
    }
}

extension FakeDocker {
    func setGateway(_ value: String?) { gateway = value }
}
