import Testing

@testable import Presence

/// Docker writes one event per line, so a raw newline inside an object means the object was cut short: the
/// splitter reports it and reads the events after it.
@Suite("A truncated event in Docker's stream")
struct TruncatedEventStreamTests {
    static let cutInString = #"{"Type":"container","Action":"sta"#
    static let cutInNesting = #"{"Type":"container","Actor":{"ID":"abc","Attributes":{"name":"web","#
    static let cutAfterEscape = #"{"Type":"container","Action":"a\"#
    /// An event whose string holds an escaped newline, which is no truncation.
    static let escapedNewline =
        #"{"Type":"container","Action":"exec_start: sh -c \"echo\\n{\"","Actor":{"ID":"abc"},"time":1}"#

    /// The stream fed in chunks of `size` bytes: each message, as the container an event names or "malformed".
    func messages(_ stream: String, chunkSize size: Int = .max, maximumObjectSize: Int = 1 << 20) -> [String] {
        var splitter = JSONObjectSplitter(maximumObjectSize: maximumObjectSize)
        let bytes = Array(stream.utf8)
        var messages: [DockerEventMessage] = []
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + min(size, bytes.count))
            messages += DockerEventDecoding.messages(from: splitter.feed(bytes[index..<end]))
            index = end
        }
        return messages.map {
            switch $0 {
            case .event(let event): event.actorID
            case .malformed: "malformed"
            }
        }
    }

    @Test(arguments: [cutInString, cutInNesting, cutAfterEscape])
    func eventsAfterATruncatedObjectAreRead(cut: String) {
        let stream = [cut, EventStreamTests.start, EventStreamTests.health, EventStreamTests.connect].joined(
            separator: "\n")
        #expect(messages(stream) == ["malformed", "abc", "def", "net1"])
    }

    @Test(arguments: Array(1..<80))
    func recoveryDoesNotDependOnChunkBoundaries(size: Int) {
        let stream = [
            EventStreamTests.start, Self.cutInNesting, EventStreamTests.health, Self.cutInString, Self.escapedNewline,
            Self.cutAfterEscape, EventStreamTests.connect, "",
        ].joined(separator: "\n")
        #expect(
            messages(stream, chunkSize: size) == ["abc", "malformed", "def", "malformed", "abc", "malformed", "net1"])
    }

    @Test func aTruncatedObjectIsNamedInTheReport() {
        var splitter = JSONObjectSplitter()
        let outputs = splitter.feed(Array((Self.cutInString + "\n").utf8))
        #expect(outputs == [.malformed("an object cut short after 33 bytes was dropped: \(Self.cutInString)")])
    }

    @Test func anEscapedNewlineInsideAStringIsNoTruncation() {
        #expect(messages(Self.escapedNewline + "\n" + EventStreamTests.start) == ["abc", "abc"])
    }

    @Test func anOversizedObjectCutShortIsReportedOnceAndTheStreamGoesOn() {
        let big = #"{"Type":"container","Action":"start","pad":""# + String(repeating: "x", count: 500)
        let stream = big + "\n" + EventStreamTests.start + "\n" + EventStreamTests.health + "\n"
        for size in [1, 7, 64, 4096] {
            #expect(messages(stream, chunkSize: size, maximumObjectSize: 300) == ["malformed", "abc", "def"])
        }
    }

    @Test func anOversizedObjectOnOneLineIsStillDroppedWhole() {
        let big = #"{"Type":"container","pad":""# + String(repeating: "x", count: 500) + #""}"#
        #expect(messages(big + "\n" + EventStreamTests.start, maximumObjectSize: 300) == ["malformed", "abc"])
    }
}
