/// The value of one port in the `skydns` format: the fields CoreDNS's etcd plugin reads for A and SRV records.
public struct SkyDNSRecord: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
