/// The value the agent writes for one port in the `json` format; `SkyDNSRecord` is the `skydns` format's.
public struct JSONFormatRecord: Codable, Sendable, Equatable {
    /// The address to dial.
    public var host: String
    /// The host port.
    public var port: Int
    /// `tcp`, `udp` or `sctp`.
    public var `protocol`: String
    /// The name the container is registered under.
    public var container: String
    /// Docker's full container id.
    public var id: String

    public init(host: String, port: Int, protocol: String, container: String, id: String) {
        self.host = host
        self.port = port
        self.protocol = `protocol`
        self.container = container
        self.id = id
    }

    /// Compact JSON with sorted keys: the same registration always gives the same bytes, so an unchanged
    /// container costs no write.
    static func json(_ value: some Encodable) -> String {
        // Encoding strings and integers cannot fail.
        String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// One encoder for every value: a registration is encoded on every change of its container.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
