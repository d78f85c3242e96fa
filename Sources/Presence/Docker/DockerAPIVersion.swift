/// An Engine API version such as `1.41`, compared numerically.
struct DockerAPIVersion: Sendable, Comparable, CustomStringConvertible {
    var major: Int
    var minor: Int

    /// The newest version whose responses the agent has been checked against. Older engines are spoken to
    /// in their own version, newer ones in this one, exactly as Docker's clients negotiate.
    static let newestSupported = DockerAPIVersion(major: 1, minor: 51)
    /// What Docker's clients assume when an engine's ping does not say.
    static let fallback = DockerAPIVersion(major: 1, minor: 24)

    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    /// The version to use with an engine that reports `server` in its `API-Version` header.
    static func negotiated(server: String?) -> DockerAPIVersion {
        guard let server, let version = DockerAPIVersion(server) else { return fallback }
        return min(version, newestSupported)
    }

    static func < (lhs: DockerAPIVersion, rhs: DockerAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    var description: String { "\(major).\(minor)" }
}
