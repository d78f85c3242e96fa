/// A shape in which registrations are written for consumers; an agent may write several at once.
public enum RegistrationFormat: Sendable, Hashable {
    /// The original agent's layout: `{prefix}/{name}/{port}/host` and `.../port`, one value each.
    case keys
    /// One key per port, `{prefix}/{name}/{port}`, holding a JSON object, so a consumer reads a port in one get.
    case json
    /// Records for CoreDNS's etcd plugin: `/skydns/{domain labels reversed}/{label}/{port}` holding
    /// `{"host":…,"port":…}`, served as A and SRV records of `{label}.{domain}`.
    case skydns(SkyDNSDomain)

    /// The names `--format` accepts.
    public enum Name: String, Sendable, CaseIterable {
        case keys, json, skydns
    }

    /// `keys`, `json`, or `skydns:` and the zone: for logs.
    public var description: String {
        switch self {
        case .keys, .json: name.rawValue
        case .skydns(let domain): "skydns:\(domain.name)"
        }
    }

    public var name: Name {
        switch self {
        case .keys: .keys
        case .json: .json
        case .skydns: .skydns
        }
    }

    /// The formats named by `--format`, in the order given and without repeats; `domain` (with `{hostname}`
    /// filled in) is the zone of `skydns`, and must be given exactly when `skydns` is.
    public static func resolve(_ names: [Name], domain: String?, hostname: String) throws(ConfigurationError)
        -> [RegistrationFormat]
    {
        var formats: [RegistrationFormat] = []
        for name in names.isEmpty ? [.keys] : names {
            let format: RegistrationFormat
            switch name {
            case .keys: format = .keys
            case .json: format = .json
            case .skydns:
                guard let domain else {
                    throw ConfigurationError(
                        "--format skydns needs --domain, the zone CoreDNS serves (e.g. --domain containers.example.org)"
                    )
                }
                format = .skydns(try SkyDNSDomain(template: domain, hostname: hostname))
            }
            if !formats.contains(format) { formats.append(format) }
        }
        if domain != nil && !formats.contains(where: { $0.name == .skydns }) {
            throw ConfigurationError("--domain is only used by --format skydns; add --format skydns or drop --domain")
        }
        if formats.contains(.keys) && formats.contains(.json) {
            // Both write under --prefix: {prefix}/web/80 would be a value for one and a directory for the other.
            throw ConfigurationError(
                "--format keys and --format json both write under --prefix ({prefix}/NAME/PORT would be a value "
                    + "and a directory); choose one, or run a second agent with another --prefix")
        }
        return formats
    }
}
