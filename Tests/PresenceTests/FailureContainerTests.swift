import Logging
import Testing

@testable import Presence

/// A store whose writes fail as an unreachable etcd does.
actor UnreachableStore: RegistrationStore {
    func write(container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool) async throws {
        throw PresenceError(.etcdUnreachable, "cannot reach etcd at http://127.0.0.1:1")
    }
    func remove(container: String) async throws {}
    func keepAlive(containers: [String]) async throws -> [String] { [] }
    func heldKeys(containers: [String]) async throws -> [String: String] { [:] }
    func removeDirectory(_ directory: String) async throws {}
    func registeredDirectories() async throws -> [String] { [] }
    func abandon() async {}
    func removeAll(containers: [String]) async throws {}
}

@Suite("Failures name the container they are about")
struct FailureContainerTests {
    @Test func aFailedWriteCarriesTheContainerSoItsLogLineNamesIt() async throws {
        let docker = FakeDocker()
        await docker.set(ReconcilerTests.web(name: "web"), named: "web")
        let reconciler = Reconciler(
            selection: try ContainerSelection(names: ["web"]), docker: docker, store: UnreachableStore(),
            layout: try KeyLayout(template: "/containers", hostname: "h1"), hostIP: nil, ttl: .seconds(60),
            heartbeat: DockerHeartbeat(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let error = await #expect(throws: PresenceError.self) { try await reconciler.resync() }
        #expect(error?.container == "web")
        #expect(error?.code == .etcdUnreachable)
    }
}
