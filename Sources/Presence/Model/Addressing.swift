/// How registrations are addressed: the agent's `--address` and `--network`.
public struct Addressing: Sendable, Equatable {
    public var mode: AddressMode
    /// The network whose addresses `container` mode registers; `nil` lets each container's `presence.network`
    /// label, or its only network, decide.
    public var network: String?

    public init(mode: AddressMode = .host, network: String? = nil) {
        self.mode = mode
        self.network = network
    }

    /// The original agent's: host addresses and published ports.
    public static let host = Addressing()
}
