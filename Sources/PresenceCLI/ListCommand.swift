import ArgumentParser
import AsyncHTTPClient
import Logging
import Presence

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `presence list`: prints what is registered in etcd, and with `--watch` follows it.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the containers and ports registered in etcd.",
        discussion: """
            Reads the registrations under --prefix (or the --domain's /skydns path) in the layout --format names, \
            and prints one row per port: CONTAINER  PORT  HOST  HOST PORT  TTL, sorted by container then port. \
            TTL is the seconds left on the key's lease (v3) or its container's directory (v2), '-' for none. \
            Keys that are not part of a complete registration are named on stderr and skipped.

            With --watch it then prints one line per change until SIGINT or SIGTERM:
              + web 80/tcp 10.0.0.5 8080    added (or '~' changed)
              - web 80/tcp                  removed
            and with --output json one object per line with an "event" field (added, changed, removed).
            """
    )

    @Option(
        name: .customLong("etcd-endpoints"),
        help:
            "Comma-separated etcd URLs, tried in turn. Env: PRESENCE_ETCD_ENDPOINTS or ETCD_ENDPOINTS. (default: http://127.0.0.1:2379)"
    )
    var etcdEndpoints: String?

    @Option(
        name: .customLong("etcd-api"),
        help: "The etcd API to read through: v3 (leases) or v2 (TTL directories). Env: PRESENCE_ETCD_API.")
    var etcdAPI: EtcdAPIVersion = .v3

    @OptionGroup(title: "Securing the link to etcd")
    var etcdSecurity: EtcdSecurityOptions<ListCommand>

    @Option(
        help:
            "Where the keys are: an absolute path; {hostname} is replaced. Env: PRESENCE_PREFIX. (default: /containers)"
    )
    var prefix: String?

    @Option(
        help:
            "The name {hostname} in --prefix and --domain stands for. Env: PRESENCE_HOSTNAME. (default: this host's name)"
    )
    var hostname: String?

    @Option(help: "The key layout to read: keys, json or skydns. Env: PRESENCE_FORMAT.")
    var format: RegistrationFormat.Name = .keys

    @Option(
        help: "The DNS zone of --format skydns, such as svc.example.org; {hostname} is replaced. Env: PRESENCE_DOMAIN.")
    var domain: String?

    @Option(help: "table (aligned columns) or json. Env: PRESENCE_OUTPUT.")
    var output: RegistryOutput = .table

    @Flag(help: "After the listing, print each change until SIGINT or SIGTERM. Env: PRESENCE_WATCH.")
    var watch = false

    /// Whatever follows that is not an option of `list`. Declared so that the root command stops parsing at
    /// `list`: it would otherwise take the options both share (--prefix, --etcd-endpoints, …) for itself.
    @Argument(parsing: .captureForPassthrough, help: .hidden)
    var unexpected: [String] = []

    /// Bad input is a usage error (exit 64), found before etcd is asked.
    func validate() throws {
        if let first = unexpected.first {
            // Passthrough capture takes the help flag too.
            if ["-h", "--help", "-help"].contains(first) { throw CleanExit.helpRequest(Self.self) }
            throw ValidationError("unexpected argument '\(first)' for 'presence list'")
        }
        _ = try listingConfiguration()
    }

    private func listingConfiguration() throws -> ListingConfiguration {
        do {
            return try ListingConfiguration(
                layout: RegistryLayout(
                    format: format, prefix: prefix, hostname: hostname ?? systemHostname(), domain: domain),
                etcdAPI: etcdAPI,
                etcdEndpoints: EtcdEndpoint.list(
                    etcdEndpoints ?? Self.environment("ETCD_ENDPOINTS") ?? "http://127.0.0.1:2379"),
                etcdTLS: etcdSecurity.tls(environment: Self.environment),
                etcdCredentials: etcdSecurity.credentials(environment: Self.environment),
                output: output,
                watch: watch)
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let configuration = try listingConfiguration()
        // Standard output carries the listing alone; the few warnings (an endpoint that failed over) go to stderr.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let httpClient = HTTPClient.makeEtcdClient(tls: configuration.etcdTLS)
        let lister = RegistryLister(
            configuration: configuration, httpClient: httpClient, logger: Logger(label: "presence"))
        do {
            try await lister.run()
            try await httpClient.shutdown()
        } catch {
            try? await httpClient.shutdown()
            let line = "presence: \(error)\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
            throw ExitCode.failure
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
