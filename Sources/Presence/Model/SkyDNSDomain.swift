/// The DNS zone of the `skydns` format, validated, and where its records live in etcd.
public struct SkyDNSDomain: Sendable, Hashable {
    /// The zone, lower-cased, without a trailing dot: `containers.example.org`.
    public let name: String
    /// True when the domain named this host (`{hostname}`): then every record under it is this agent's own.
    public let isHostScoped: Bool

    /// The etcd path CoreDNS's etcd plugin reads by default.
    public static let root = "/skydns"

    public init(template: String, hostname: String) throws(ConfigurationError) {
        var text = template.lowercased()
        let scoped = text.contains("{hostname}")
        text = text.replacing("{hostname}", with: hostname.lowercased())
        if text.hasSuffix(".") { text.removeLast() }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, labels.allSatisfy(SkyDNSDomain.isValidLabel) else {
            throw ConfigurationError(
                "--domain '\(template)' is not a DNS name: dot-separated labels of letters, digits, '-' and '_', "
                    + "each 1 to 63 long")
        }
        self.name = text
        self.isHostScoped = scoped
    }

    /// The directory holding the zone's records: `/skydns/org/example/containers`.
    public var directory: String {
        SkyDNSDomain.root + "/" + name.split(separator: ".").reversed().joined(separator: "/")
    }

    /// The DNS label a container is served under: its name lower-cased, with every character a label cannot
    /// hold (dots included, which would split it into several labels) turned into `-`.
    public static func label(for container: String) -> String {
        String(
            container.lowercased().unicodeScalars.map { scalar -> Character in
                ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
                    ? Character(scalar) : "-"
            })
    }

    static func isValidLabel(_ label: some StringProtocol) -> Bool {
        (1...63).contains(label.count)
            && label.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}
