import Logging

/// How log lines look: swift-log's text lines for people, or one JSON object per line for log collectors.
public enum LogFormat: String, CaseIterable, Sendable {
    case text
    case json

    /// A handler writing to standard error in this format, letting through `level` and above.
    public func standardErrorHandler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
