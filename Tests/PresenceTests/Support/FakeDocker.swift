@testable import Presence

/// Docker as the tests set it: a map of containers, and a switch to make it unreachable.
actor FakeDocker: DockerAPI {
    var containers: [String: ContainerSnapshot] = [:]
    var reachable = true
    /// Docker 20.10's default bridge, on a host where docker0 was left by an earlier dockerd: with its gateway.
    var bridge: BridgeNetwork? = BridgeNetwork(
        ipv4: .init(subnet: Subnet("172.17.0.0/16"), gateway: "172.17.0.1"), interface: "docker0")

    /// The containers whose listing tells all about them, as Docker's does for a running one without a
    /// healthcheck: the agent need not inspect them.
    var toldByListing: Set<String> = []

    func set(_ snapshot: ContainerSnapshot?, named name: String) { containers[name] = snapshot }
    func tellByListing(_ names: Set<String>) { toldByListing = names }
    func setReachable(_ value: Bool) { reachable = value }
    func setBridge(_ value: BridgeNetwork?) { bridge = value }
    func failInspect(of id: String?) { failingInspect = id }

    var failingInspect: String?

    func container(named name: String) async throws -> ContainerSnapshot? {
        guard reachable else { throw PresenceError(.dockerUnreachable, "docker is down") }
        if name == failingInspect { throw PresenceError(.dockerResponse, "Docker refused the inspect of \(name)") }
        inspections += 1
        return containers[name] ?? containers.values.first { $0.id == name }
    }

    var inspections = 0

    func ping() async throws {
        guard reachable else { throw PresenceError(.dockerUnreachable, "docker is down") }
    }

    func listContainers() async throws -> [ContainerSummary] {
        guard reachable else { throw PresenceError(.dockerUnreachable, "docker is down") }
        return containers.values.filter(\.isRunning).map {
            ContainerSummary(
                id: $0.id, name: $0.name, labels: $0.labels, snapshot: toldByListing.contains($0.name) ? $0 : nil)
        }
    }

    func bridgeNetwork() async throws -> BridgeNetwork? {
        guard reachable else { throw PresenceError(.dockerUnreachable, "docker is down") }
        return bridge
    }
}
