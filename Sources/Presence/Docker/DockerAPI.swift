/// What the agent asks of Docker. Reading is all it does: every call is a GET.
public protocol DockerAPI: Sendable {
    /// Succeeds when the engine answers.
    func ping() async throws

    /// The containers that are running or paused, as the list endpoint reports them.
    func listContainers() async throws -> [ContainerSummary]

    /// The container with this id or name, or `nil` when Docker knows no such container.
    func container(named name: String) async throws -> ContainerSnapshot?

    /// Docker's default `bridge` network, or `nil` when the engine has none (Podman, `--bridge none`).
    func bridgeNetwork() async throws -> BridgeNetwork?
}
