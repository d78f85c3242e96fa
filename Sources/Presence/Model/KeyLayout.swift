/// Names the keys of a registration: `{prefix}/{container}/{port}/host` and `.../port`.
public struct KeyLayout: Sendable, Equatable {
    /// The validated prefix: absolute, without a trailing slash (empty for the root).
    public let prefix: String

    /// The original agent's prefix.
    public static let defaultPrefix = "/containers"

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
    }

    /// True when `segment` can stand as one path segment of a key without escaping its parent.
    public static func isValidSegment(_ segment: some StringProtocol) -> Bool {
        !segment.isEmpty && segment != "." && segment != ".."
            && !segment.contains("/")
            && !segment.unicodeScalars.contains { $0.properties.generalCategory == .control }
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
