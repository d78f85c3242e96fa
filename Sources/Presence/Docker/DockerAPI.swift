/// What the agent asks of Docker. Reading is all it does: every call is a GET.
public protocol DockerAPI: Sendable {
    /// The container named `name`, or `nil` when Docker knows no such container.
    func container(named name: String) async throws -> ContainerSnapshot?

    /// The gateway of Docker's default `bridge` network, when the Engine API reports one.
    func bridgeGateway() async throws -> String?
}
