/// Everything `presence list` needs, validated: where etcd is, how to reach it, what to read, how to print it.
public struct ListingConfiguration: Sendable {
    public var layout: RegistryLayout
    public var etcdAPI: EtcdAPIVersion
    public var etcdEndpoints: [EtcdEndpoint]
    /// The CA, client certificate and key for https endpoints; nil trusts the system's roots and sends no certificate.
    public var etcdTLS: ClientTLS?
    /// The etcd user to authenticate as; nil sends requests without authentication.
    public var etcdCredentials: EtcdCredentials?
    public var output: RegistryOutput
    /// Follow changes after the listing, until SIGTERM or SIGINT.
    public var watch: Bool

    public init(
        layout: RegistryLayout, etcdAPI: EtcdAPIVersion = .v3,
        etcdEndpoints: [EtcdEndpoint] = [EtcdEndpoint(host: "127.0.0.1")], etcdTLS: ClientTLS? = nil,
        etcdCredentials: EtcdCredentials? = nil, output: RegistryOutput = .table, watch: Bool = false
    ) throws(ConfigurationError) {
        guard !etcdEndpoints.isEmpty else { throw ConfigurationError("--etcd-endpoints needs at least one URL") }
        if let etcdTLS, !etcdEndpoints.contains(where: { $0.scheme == .https }) {
            throw ConfigurationError(
                "\(etcdTLS.optionNames.joined(separator: ", ")) given, but every --etcd-endpoints URL is "
                    + "http://; TLS needs https:// URLs")
        }
        self.layout = layout
        self.etcdAPI = etcdAPI
        self.etcdEndpoints = etcdEndpoints
        self.etcdTLS = etcdTLS
        self.etcdCredentials = etcdCredentials
        self.output = output
        self.watch = watch
    }
}
