/// Where the Docker Engine API listens: `unix:///var/run/docker.sock` or `tcp://host:port`.
public enum DockerHost: Sendable, Hashable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// Docker's own default socket.
    public static let defaultValue = DockerHost.unix(path: "/var/run/docker.sock")

    /// Parses a `DOCKER_HOST`-style value.
    public init(_ text: String) throws {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") else {
                throw ConfigurationError(
                    "Docker host '\(text)' needs an absolute socket path: unix:///path/docker.sock")
            }
            self = .unix(path: path)
            return
        }
        for scheme in ["tcp://", "http://"] where text.hasPrefix(scheme) {
            var rest = Substring(text.dropFirst(scheme.count))
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            guard !rest.contains("/"), let (host, port) = HostAndPort.split(rest, defaultPort: 2375) else { break }
            self = .tcp(host: host, port: port)
            return
        }
        throw ConfigurationError(
            "Docker host '\(text)' is not unix:///path/to/docker.sock or tcp://host:port")
    }

    /// True for a host name or address that stays on this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }
}
