import Foundation
import Logging
import Synchronization
import Testing

@testable import Presence

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// Collects what a handler writes.
    final class Output: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    func logger(_ output: Output, level: Logger.Level = .info) -> Logger {
        Logger(label: "test") { _ in
            var handler = JSONLogHandler { output.append($0) }
            handler.logLevel = level
            return handler
        }
    }

    func decode(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any], "a JSON object: \(line)")
    }

    @Test(arguments: [
        "plain", "with \"quotes\" and \\backslashes\\", "two\nlines\r\tand a tab", "unicode: héllo wörld ✓ 😀 日本",
        "control \u{01}\u{1F} and \u{7F}", "a/slash and </script>", "",
    ])
    func messagesSurviveEncoding(message: String) throws {
        let output = Output()
        logger(output).warning("\(message)", metadata: ["container": "\(message)"])
        let lines = output.all
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one line: \(line)")
        let object = try decode(line)
        #expect(object["message"] as? String == message)
        #expect(object["container"] as? String == message)
        #expect(object["level"] as? String == "warning")
    }

    @Test func everyMetadataFieldIsTopLevelAndNestedMetadataStaysStructured() throws {
        let output = Output()
        var logger = logger(output)
        logger[metadataKey: "agent"] = "a1"
        logger.info(
            "container registered",
            metadata: [
                "container": "web", "port": "80", "ports": .array(["80", "443"]),
                "labels": .dictionary(["tier": "front", "nested": .array([.dictionary(["k": "v"])])]),
                "count": .stringConvertible(3),
            ])
        let object = try decode(try #require(output.all.first))
        #expect(object["container"] as? String == "web")
        #expect(object["port"] as? String == "80")
        #expect(object["agent"] as? String == "a1")
        #expect(object["count"] as? String == "3")
        #expect(object["ports"] as? [String] == ["80", "443"])
        let labels = try #require(object["labels"] as? [String: Any])
        #expect(labels["tier"] as? String == "front")
        #expect((labels["nested"] as? [[String: String]]) == [["k": "v"]])
    }

    @Test func timestampIsUTCWithMillisecondsAndComesFirst() throws {
        let output = Output()
        logger(output).error("failed", metadata: ["a": "1"])
        let line = try #require(output.all.first)
        #expect(line.hasPrefix("{\"timestamp\":\""), "\(line)")
        let timestamp = try #require(try decode(line)["timestamp"] as? String)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(timestamp)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(formatter.date(from: timestamp))
        #expect(abs(parsed.timeIntervalSinceNow) < 3600)
    }

    @Test func metadataCannotHideTheFixedFields() throws {
        let output = Output()
        logger(output).info("the real message", metadata: ["message": "other", "level": "x", "timestamp": "y"])
        let object = try decode(try #require(output.all.first))
        #expect(object["message"] as? String == "the real message")
        #expect(object["level"] as? String == "info")
        #expect(object["metadata.message"] as? String == "other")
        #expect(object["metadata.level"] as? String == "x")
    }

    @Test func levelsBelowTheThresholdAreDropped() {
        let output = Output()
        let logger = logger(output, level: .notice)
        logger.info("hidden")
        logger.debug("hidden")
        logger.notice("shown")
        #expect(output.all.count == 1)
    }
}
