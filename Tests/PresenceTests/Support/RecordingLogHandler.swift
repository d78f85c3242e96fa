import Logging
import Synchronization

/// A log handler that keeps every line, so a test can read what an operator would.
struct RecordingLogHandler: LogHandler {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    final class Lines: Sendable {
        private let lines = Mutex<[Line]>([])
        var all: [Line] { lines.withLock { $0 } }
        func append(_ line: Line) { lines.withLock { $0.append(line) } }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        lines.append(
            Line(
                level: event.level, message: "\(event.message)",
                metadata: merged.mapValues { "\($0)" }))
    }

    /// A logger that records into `lines`.
    static func logger(_ lines: Lines) -> Logger {
        Logger(label: "test", factory: { _ in RecordingLogHandler(lines: lines) })
    }
}
