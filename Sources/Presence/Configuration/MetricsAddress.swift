/// Where the agent serves `/metrics`, `/healthz` and `/readyz`: `HOST:PORT`, or `[IPv6]:PORT`.
public struct MetricsAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses the value of `--metrics-address`.
    public init(_ text: String) throws {
        // A missing port parses as 0, which no listener may use: the operator must choose one.
        guard let (host, port) = HostAndPort.split(Substring(text), defaultPort: 0), port != 0, !host.contains("/")
        else {
            throw ConfigurationError(
                "--metrics-address '\(text)' is not HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:9180)")
        }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
