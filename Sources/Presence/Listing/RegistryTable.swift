/// The listing as aligned columns for people: `CONTAINER  PORT  HOST  HOST PORT  TTL`.
public enum RegistryTable {
    public static let header = ["CONTAINER", "PORT", "HOST", "HOST PORT", "TTL"]

    /// The header and one row per entry, each line ending in a newline; only the header when there is none.
    public static func render(_ entries: [RegisteredPort]) -> String {
        let rows = [header] + entries.map(row)
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : padded(row[column], to: widths[column])
            }
            .joined(separator: "  ")
        }
        .joined(separator: "\n") + "\n"
    }

    /// One line of a watch: `+ web 80/tcp 10.0.0.5 8080`, `~` for a registration that moved, `- web 80/tcp`.
    public static func line(_ change: RegisteredPortChange) -> String {
        let entry = change.entry
        switch change.kind {
        case .added: return "+ \(entry.container) \(entry.portLabel) \(entry.host) \(entry.hostPort)"
        case .changed: return "~ \(entry.container) \(entry.portLabel) \(entry.host) \(entry.hostPort)"
        case .removed: return "- \(entry.container) \(entry.portLabel)"
        }
    }

    private static func row(_ entry: RegisteredPort) -> [String] {
        [entry.container, entry.portLabel, entry.host, String(entry.hostPort), entry.ttl.map(String.init) ?? "-"]
    }

    private static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
