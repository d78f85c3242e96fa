/// Which layout to read and the directory it lives under.
public struct RegistryLayout: Sendable, Equatable {
    public let format: RegistrationFormat.Name
    /// The directory every registration is under, without a trailing slash: the prefix for `keys` and `json`,
    /// the domain's `/skydns/…` path for `skydns`.
    public let root: String

    /// Validates the options that say where to read: `prefix` (a `--prefix` template, nil for the default) for
    /// `keys` and `json`, `domain` (a `--domain` template) for `skydns`, as the agent validates them.
    public init(format: RegistrationFormat.Name, prefix: String?, hostname: String, domain: String?)
        throws(ConfigurationError)
    {
        self.format = format
        switch format {
        case .keys, .json:
            guard domain == nil else {
                throw ConfigurationError(
                    "--domain is only for --format skydns; --format \(format.rawValue) reads --prefix")
            }
            do {
                root = try KeyLayout(template: prefix ?? KeyLayout.defaultPrefix, hostname: hostname).prefix
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError("\(error)")
            }
        case .skydns:
            guard prefix == nil else {
                throw ConfigurationError("--prefix does not apply to --format skydns: its keys are under /skydns")
            }
            guard let domain else {
                throw ConfigurationError(
                    "--format skydns needs --domain, the DNS zone CoreDNS serves (svc.example.org)")
            }
            root = try SkyDNSDomain(template: domain, hostname: hostname).directory
        }
    }

    /// The root as people read it: `/` rather than an empty prefix.
    public var displayRoot: String { root.isEmpty ? "/" : root }
}
