import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A log handler that writes each entry as one JSON object on one line, for log collectors.
///
/// The object starts with `timestamp` (ISO 8601, UTC, milliseconds), `level` and `message`; every metadata
/// field follows as a top-level field of its own (`container`, `port`, `endpoint`, …), nested metadata as JSON
/// objects and arrays. A metadata field named like one of the first three is written as `metadata.NAME`
/// rather than hiding them.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let output: @Sendable (String) -> Void

    /// A handler that writes its lines to `output`, one call per line including its final newline.
    public init(metadataProvider: Logger.MetadataProvider? = nil, output: @escaping @Sendable (String) -> Void) {
        self.metadataProvider = metadataProvider
        self.output = output
    }

    /// A handler that writes to standard error, each line with a single `write`, so lines never interleave.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(metadataProvider: LoggingSystem.metadataProvider) { line in
            FileDescriptorOutput.write(line, to: 2)
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let explicit = event.metadata { fields.merge(explicit) { $1 } }
        if let error = event.error { fields["error"] = "\(error)" }
        output(Self.line(at: .now, level: event.level, message: "\(event.message)", metadata: fields))
    }

    static let fixedFields: Set<String> = ["timestamp", "level", "message"]

    /// The JSON line for one entry, newline included.
    static func line(at time: Date, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var members = [
            ("timestamp", JSONLogValue.string(time.formatted(timestampStyle))),
            ("level", .string(level.rawValue)),
            ("message", .string(message)),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            members.append((fixedFields.contains(key) ? "metadata." + key : key, JSONLogValue(value)))
        }
        // The fixed fields come first for people reading the lines; JSONEncoder would order keys at random.
        let body = members.map { "\(JSONLogValue.encoded(.string($0.0))):\(JSONLogValue.encoded($0.1))" }
        return "{" + body.joined(separator: ",") + "}\n"
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
