/// Names the keys of a registration: `{prefix}/{container}/{port}/host` and `.../port`.
public struct KeyLayout: Sendable, Equatable {
    /// The validated prefix: absolute, without a trailing slash (empty for the root).
    public let prefix: String

    /// True when the prefix named this host (`{hostname}`): then every key under it is this agent's own.
    public private(set) var isHostScoped: Bool

    /// The original agent's prefix.
    public static let defaultPrefix = "/containers"

    /// Fills the placeholders of a `--prefix` template (only `{hostname}` is known) and validates the result.
    public init(template: String, hostname: String) throws {
        var filled = ""
        var rest = Substring(template)
        var scoped = false
        while let open = rest.firstIndex(of: "{") {
            filled += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ConfigurationError("--prefix '\(template)' has an unclosed '{'")
            }
            let name = rest[rest.index(after: open)..<close]
            guard name == "hostname" else {
                throw ConfigurationError(
                    "--prefix '\(template)' has an unknown placeholder {\(name)}; only {hostname} is known")
            }
            guard KeyLayout.isValidSegment(hostname) else {
                throw ConfigurationError("the host name '\(hostname)' cannot stand in a key; give --hostname")
            }
            filled += hostname
            scoped = true
            rest = rest[rest.index(after: close)...]
        }
        filled += rest
        try self.init(prefix: filled)
        self.isHostScoped = scoped
    }

    /// Validates `prefix`: it must be absolute, with no empty, `.` or `..` segments.
    public init(prefix: String) throws {
        guard prefix.hasPrefix("/") else {
            throw ConfigurationError("--prefix must be an absolute path such as /containers, not '\(prefix)'")
        }
        var trimmed = Substring(prefix)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let segments = trimmed.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if trimmed != "/" {
            for segment in segments {
                guard KeyLayout.isValidSegment(segment) else {
                    throw ConfigurationError(
                        "--prefix '\(prefix)' has an empty, '.' or '..' segment or a control character")
                }
            }
        }
        self.prefix = trimmed == "/" ? "" : String(trimmed)
        self.isHostScoped = false
    }

    /// True when `segment` can stand as one path segment of a key without escaping its parent.
    public static func isValidSegment(_ segment: some StringProtocol) -> Bool {
        !segment.isEmpty && segment != "." && segment != ".."
            && !segment.contains("/")
            && !segment.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The container name a key belongs to, if the key is under the prefix.
    public func containerName(ofKey key: String) -> String? {
        guard key.hasPrefix(prefix + "/") else { return nil }
        let name = key.dropFirst(prefix.count + 1).prefix { $0 != "/" }
        return name.isEmpty ? nil : String(name)
    }

    /// The directory holding every key of one container, without a trailing slash.
    public func directory(of container: String) -> String {
        "\(prefix)/\(container)"
    }

    /// The keys and values etcd should hold for a container publishing `ports`.
    public func keys(container: String, ports: [PublishedPort]) -> [String: String] {
        var keys: [String: String] = [:]
        for port in ports {
            let base = "\(directory(of: container))/\(port.segment)"
            keys["\(base)/host"] = port.host
            keys["\(base)/port"] = String(port.hostPort)
        }
        return keys
    }
}
