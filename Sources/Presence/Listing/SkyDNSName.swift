/// Where CoreDNS's etcd plugin looks for a domain's records, and the DNS label a container name becomes there.
public enum SkyDNSName {
    /// `/skydns` followed by the domain's labels reversed: `svc.example.org` is `/skydns/org/example/svc`.
    public static func path(ofDomain domain: String) throws(ConfigurationError) -> String {
        var name = domain.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else {
            throw ConfigurationError("--domain '\(domain)' is not a DNS name such as svc.example.org")
        }
        return "/skydns/" + labels.reversed().joined(separator: "/")
    }

    /// The container name as a DNS label: lowercased, every character outside `[a-z0-9-]` replaced by `-`.
    public static func label(ofContainer name: String) -> String {
        String(name.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" ? $0 : "-" })
    }
}
