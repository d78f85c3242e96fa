/// One etcd client URL, such as `http://127.0.0.1:2379`.
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case http, https
    }

    public var scheme: Scheme
    public var host: String
    public var port: Int

    /// etcd's registered client port.
    public static let defaultPort = 2379

    /// Parses `scheme://host[:port][/]`. A path, query or user part is refused: the agent adds its own paths.
    public init(_ text: String) throws {
        let problem = ConfigurationError(
            "etcd endpoint '\(text)' is not a URL like http://127.0.0.1:2379 (http or https, a host, an optional port)")
        guard let schemeEnd = text.firstRange(of: "://"),
            let scheme = Scheme(rawValue: text[..<schemeEnd.lowerBound].lowercased())
        else { throw problem }
        var rest = Substring(text[schemeEnd.upperBound...])
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else { throw problem }
        guard let (host, port) = HostAndPort.split(rest, defaultPort: EtcdEndpoint.defaultPort) else { throw problem }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    public init(scheme: Scheme = .http, host: String, port: Int = EtcdEndpoint.defaultPort) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// The base URL requests are made against, without a trailing slash.
    public var baseURL: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(bracketed):\(port)"
    }

    public var description: String { baseURL }

    /// Parses a comma-separated list, as `--etcd-endpoints` and `ETCD_ENDPOINTS` hold it.
    public static func list(_ text: String) throws -> [EtcdEndpoint] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw ConfigurationError("--etcd-endpoints is empty; give at least one URL") }
        var endpoints: [EtcdEndpoint] = []
        for part in parts { endpoints.append(try EtcdEndpoint(part)) }
        return endpoints
    }
}
