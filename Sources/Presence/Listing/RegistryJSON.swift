/// The listing as JSON for programs: an array of objects with fixed field names, and one object per line for
/// each change of a watch, with an `event` field.
///
/// Every field is always present (`null` when unknown), so consumers need no optional handling:
/// `container`, `port`, `protocol`, `host`, `hostPort`, `ttl`, `id`, `keys`.
public enum RegistryJSON {
    public static func render(_ entries: [RegisteredPort]) -> String {
        // The pretty printer would spread an empty array over three lines.
        guard !entries.isEmpty else { return "[]\n" }
        let encoder = makeEncoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        let data = (try? encoder.encode(entries.map { Row($0, event: nil) })) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// One change as a single line: the entry's fields and `event` (`added`, `changed` or `removed`).
    public static func line(_ change: RegisteredPortChange) -> String {
        let data = (try? makeEncoder().encode(Row(change.entry, event: change.kind.rawValue))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private struct Row: Encodable {
        var entry: RegisteredPort
        var event: String?

        init(_ entry: RegisteredPort, event: String?) {
            self.entry = entry
            self.event = event
        }

        private enum CodingKeys: String, CodingKey {
            case event, container, port, `protocol`, host, hostPort, ttl, id, keys
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(event, forKey: .event)
            try container.encode(entry.container, forKey: .container)
            try container.encode(entry.containerPort, forKey: .port)
            try container.encode(entry.transport, forKey: .protocol)
            try container.encode(entry.host, forKey: .host)
            try container.encode(entry.hostPort, forKey: .hostPort)
            try container.encode(entry.ttl, forKey: .ttl)
            try container.encode(entry.containerID, forKey: .id)
            try container.encode(entry.keys, forKey: .keys)
        }
    }
}
