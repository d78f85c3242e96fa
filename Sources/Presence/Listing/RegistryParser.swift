/// Turns the keys under a registry's root into registrations, in whichever layout they were written.
///
/// Pure: a key that belongs to no complete registration becomes a problem, never an error.
public enum RegistryParser {
    public static func parse(_ records: some Collection<EtcdKeyValue>, layout: RegistryLayout) -> RegistryListing {
        var problems: [SkippedKey] = []
        var registrations: [(name: String, segment: String, records: [String: EtcdKeyValue])] = []
        var index: [String: Int] = [:]
        let directory = layout.root + "/"
        let leafCount = layout.format == .keys ? 3 : 2
        for record in records {
            guard record.key.hasPrefix(directory) else {
                problems.append(.init(key: record.key, reason: "not under \(layout.displayRoot)"))
                continue
            }
            let segments = record.key.dropFirst(directory.count).split(separator: "/", omittingEmptySubsequences: false)
            guard segments.count == leafCount, !segments.contains(where: \.isEmpty) else {
                problems.append(.init(key: record.key, reason: "not a key of the \(layout.format.rawValue) layout"))
                continue
            }
            let name = String(segments[0])
            let segment = String(segments[1])
            let group = "\(name)/\(segment)"
            if let position = index[group] {
                registrations[position].records[String(segments.last!)] = record
            } else {
                index[group] = registrations.count
                registrations.append((name, segment, [String(segments.last!): record]))
            }
        }
        var entries: [RegisteredPort] = []
        for registration in registrations {
            let keys = registration.records.values.map(\.key).sorted()
            guard let parsed = ExposedPort(segment: registration.segment) else {
                problems += keys.map {
                    .init(key: $0, reason: "'\(registration.segment)' is not a port such as 80 or 53-udp")
                }
                continue
            }
            let base = RegisteredPort(
                container: registration.name, containerPort: parsed.containerPort, transport: parsed.transport,
                host: "",
                hostPort: 0,
                keys: keys)
            let result =
                layout.format == .keys
                ? entry(base, keys: registration.records) : entry(base, json: registration.records.values.first!)
            switch result {
            case .success(let entry): entries.append(entry)
            case .failure(let problem): problems.append(problem)
            }
        }
        return RegistryListing(entries: entries, problems: problems)
    }

    /// The `keys` layout: a `host` and a `port` key side by side.
    private static func entry(
        _ base: RegisteredPort, keys records: [String: EtcdKeyValue]
    ) -> Result<RegisteredPort, SkippedKey> {
        if let other = records.keys.first(where: { $0 != "host" && $0 != "port" }) {
            return .failure(.init(key: records[other]!.key, reason: "neither a host nor a port key"))
        }
        guard let host = records["host"] else {
            return .failure(.init(key: records["port"]!.key, reason: "no host key beside it"))
        }
        guard let port = records["port"] else { return .failure(.init(key: host.key, reason: "no port key beside it")) }
        guard let hostPort = ExposedPort.portNumber(port.value) else {
            return .failure(.init(key: port.key, reason: "'\(port.value.prefix(40))' is not a port number"))
        }
        guard !host.value.isEmpty else { return .failure(.init(key: host.key, reason: "the host is empty")) }
        var entry = base
        entry.host = host.value
        entry.hostPort = hostPort
        entry.ttl = host.ttl ?? port.ttl
        return .success(entry)
    }

    /// The `json` and `skydns` layouts: one key holding an object with at least `host` and `port`.
    private static func entry(_ base: RegisteredPort, json record: EtcdKeyValue) -> Result<
        RegisteredPort, SkippedKey
    > {
        guard let value = try? JSONDecoder().decode(RegistrationValue.self, from: Data(record.value.utf8)) else {
            return .failure(
                .init(key: record.key, reason: "the value is not a JSON object with a host and a port"))
        }
        guard !value.host.isEmpty, (1...65535).contains(value.port) else {
            return .failure(.init(key: record.key, reason: "the value has an empty host or a port outside 1-65535"))
        }
        var entry = base
        entry.host = value.host
        entry.hostPort = value.port
        entry.containerID = value.id
        entry.ttl = record.ttl
        return .success(entry)
    }

    /// The value of the `json` and `skydns` layouts; skydns holds only host and port.
    private struct RegistrationValue: Decodable {
        var host: String
        var port: Int
        var id: String?
    }
}
