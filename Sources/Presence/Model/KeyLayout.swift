/// Names the keys of a registration in every format written: by default `{prefix}/{container}/{port}/host`
/// and `.../port`.
///
/// Each format keeps a container's keys in one directory of its own (`{prefix}/{container}`, or the record's
/// directory under `/skydns`): what a container's removal deletes and, with etcd's v2 API, what carries the TTL.
public struct KeyLayout: Sendable, Equatable {
    /// The validated prefix: absolute, without a trailing slash (empty for the root).
    public let prefix: String

    /// True when the prefix named this host (`{hostname}`): then every key under it is this agent's own.
    public private(set) var isHostScoped: Bool

    /// The formats written, without repeats; `keys` unless told otherwise.
    public private(set) var formats: [RegistrationFormat] = [.keys]

    /// The original agent's prefix.
    public static let defaultPrefix = "/containers"

    /// Fills the placeholders of a `--prefix` template (only `{hostname}` is known) and validates the result.
    public init(template: String, hostname: String, formats: [RegistrationFormat]) throws {
        try self.init(template: template, hostname: hostname)
        precondition(!formats.isEmpty, "RegistrationFormat.resolve gives at least one format")
        self.formats = formats
    }

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

    /// The directory under the prefix holding every key of one container, without a trailing slash.
    public func directory(of container: String) -> String {
        "\(prefix)/\(container)"
    }

    /// The directories holding a container's keys, one per format (`keys` and `json` share theirs).
    public func directories(of container: String) -> [String] {
        var directories: [String] = []
        for format in formats {
            let directory =
                switch format {
                case .keys, .json: directory(of: container)
                case .skydns(let domain): domain.directory + "/" + SkyDNSDomain.label(for: container)
                }
            if !directories.contains(directory) { directories.append(directory) }
        }
        return directories
    }

    /// The directories the containers' directories are in: the prefix and the zones' directories.
    public var roots: [String] {
        var roots: [String] = []
        for format in formats {
            let root =
                switch format {
                case .keys, .json: prefix
                case .skydns(let domain): domain.directory
                }
            if !roots.contains(root) { roots.append(root) }
        }
        return roots
    }

    /// The roots that name this host, where every container directory is this agent's: what it may clean up.
    public var hostScopedRoots: [String] {
        var roots: [String] = []
        for format in formats {
            switch format {
            case .keys, .json:
                if isHostScoped && !roots.contains(prefix) { roots.append(prefix) }
            case .skydns(let domain):
                if domain.isHostScoped { roots.append(domain.directory) }
            }
        }
        return roots
    }

    /// The container directory (in any root) that `key` is in, or nil for a key outside every root.
    public func directory(containing key: String) -> String? {
        // The innermost root wins: with the prefix `/`, a record under /skydns is still the zone's.
        guard let root = roots.filter({ key.hasPrefix($0 + "/") }).max(by: { $0.count < $1.count }) else { return nil }
        let name = key.dropFirst(root.count + 1).prefix { $0 != "/" }
        return name.isEmpty ? nil : root + "/" + name
    }

    /// The keys and values etcd should hold for container `id`, registered as `container`, publishing `ports`.
    public func keys(container: String, id: String, ports: [PublishedPort]) -> [String: String] {
        var keys: [String: String] = [:]
        for format in formats {
            switch format {
            case .keys:
                for port in ports {
                    let base = "\(directory(of: container))/\(port.segment)"
                    keys["\(base)/host"] = port.host
                    keys["\(base)/port"] = String(port.hostPort)
                }
            case .json:
                for port in ports {
                    keys["\(directory(of: container))/\(port.segment)"] = JSONFormatRecord.json(
                        JSONFormatRecord(
                            host: port.host, port: port.hostPort, protocol: port.transport, container: container, id: id
                        ))
                }
            case .skydns(let domain):
                let directory = domain.directory + "/" + SkyDNSDomain.label(for: container)
                for port in ports {
                    keys["\(directory)/\(port.segment)"] = JSONFormatRecord.json(
                        SkyDNSRecord(host: port.host, port: port.hostPort))
                }
            }
        }
        return keys
    }
}
