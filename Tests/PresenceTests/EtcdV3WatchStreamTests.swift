import AsyncHTTPClient
import Foundation
import Testing

@testable import Presence

/// etcd's watch stream read as the gateway writes it: messages of any size up to the response limit, revisions
/// sent in fragments, and every kind of message a follower must act on.
@Suite("Reading etcd's watch stream")
struct EtcdV3WatchStreamTests {
    static let header = #""header":{"cluster_id":"1","member_id":"2","revision":"7","raft_term":"2"}"#

    static func put(_ key: String, _ value: String) -> String {
        #"{"kv":{"key":"\#(EtcdV3.base64(key))","create_revision":"7","mod_revision":"7","version":"1","value":"\#(EtcdV3.base64(value))"}}"#
    }

    static func delete(_ key: String) -> String {
        #"{"type":"DELETE","kv":{"key":"\#(EtcdV3.base64(key))","mod_revision":"8"}}"#
    }

    static func changes(_ events: [String], fragment: Bool = false) -> String {
        #"{"result":{\#(header),"events":[\#(events.joined(separator: ","))]\#(fragment ? #","fragment":true"# : "")}}"#
    }

    /// The messages `lines` make, fed in chunks of `size` bytes.
    func messages(_ lines: [String], chunkSize size: Int = .max) -> [EtcdV3WatchStream.Message] {
        var stream = EtcdV3WatchStream()
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var messages: [EtcdV3WatchStream.Message] = []
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + min(size, bytes.count))
            messages += stream.feed(bytes[index..<end])
            index = end
        }
        return messages
    }

    /// The keys each message changes: `+key` for a put, `-key` for a delete; a message of another kind by name.
    func summary(_ messages: [EtcdV3WatchStream.Message]) -> [String] {
        messages.map { message in
            guard case .changes(let events) = message else { return "\(message)".prefix { $0 != "(" }.description }
            return events.map { event in
                let key = event.kv.flatMap { EtcdV3.decodeBase64($0.key) } ?? "?"
                return (event.type == "DELETE" ? "-" : "+") + key
            }.joined(separator: " ")
        }
    }

    @Test func theWatchsMessagesAreToldApart() {
        let lines = [
            #"{"result":{\#(Self.header),"created":true}}"#,
            Self.changes([Self.put("/r/a/80/host", "10.0.0.1"), Self.delete("/r/b/80/host")]),
            #"{"result":{\#(Self.header)}}"#,
            #"{"result":{\#(Self.header),"compact_revision":"5"}}"#,
            #"{"result":{\#(Self.header),"canceled":true,"cancel_reason":"permission denied"}}"#,
            #"{"error":{"grpc_code":16,"http_code":401,"message":"etcdserver: invalid auth token"}}"#,
            #"{"something":"else"}"#,
        ]
        let messages = messages(lines)
        #expect(
            summary(messages) == [
                "created", "+/r/a/80/host -/r/b/80/host", "progress", "historyLost", "cancelled", "failed",
                "unreadable",
            ])
        #expect(messages[4] == .cancelled("permission denied"))
        #expect(messages[5] == .failed(EtcdV3.ErrorResponse(error: "etcdserver: invalid auth token", code: 16)))
    }

    /// Many keys changed in one revision: a message well over the 1 MiB a Docker event may take.
    @Test(arguments: [4096, 65536, Int.max])
    func aMessageOverOneMebibyteIsRead(chunkSize: Int) {
        let value = String(repeating: "v", count: 100_000)
        let events = (0..<15).map { Self.put("/r/blob-\($0)", value) } + [Self.delete("/r/web/80/host")]
        let line = Self.changes(events)
        #expect(line.utf8.count > 1 << 20 + 1 << 19)
        let messages = messages([line, #"{"result":{\#(Self.header)}}"#], chunkSize: chunkSize)
        #expect(messages.count == 2)
        guard case .changes(let read) = messages.first else {
            Issue.record("\(summary(messages))")
            return
        }
        #expect(read.count == 16)
        #expect(read.last?.type == "DELETE")
        #expect(read.first?.kv.flatMap { $0.value.flatMap(EtcdV3.decodeBase64) } == value)
        #expect(messages.last == .progress)
    }

    @Test func aRevisionSentInFragmentsIsHandedOverWhole() {
        let lines = [
            Self.changes([Self.put("/r/1", "a"), Self.put("/r/2", "b")], fragment: true),
            Self.changes([Self.put("/r/3", "c")], fragment: true),
            Self.changes([Self.delete("/r/4")]),
            Self.changes([Self.put("/r/5", "e")]),
        ]
        for size in [1, 17, 4096] {
            #expect(summary(messages(lines, chunkSize: size)) == ["+/r/1 +/r/2 +/r/3 -/r/4", "+/r/5"])
        }
    }

    @Test func aMessageOverTheResponseLimitIsReportedAndTheStreamGoesOn() {
        let huge = Self.changes([Self.put("/r/huge", String(repeating: "h", count: 6_400_000))])
        #expect(huge.utf8.count > HTTPClient.responseLimit)
        let messages = messages([huge, Self.changes([Self.put("/r/small", "s")])], chunkSize: 65536)
        #expect(summary(messages) == ["unreadable", "+/r/small"])
    }

    @Test func aMessageCutShortIsReportedAndTheStreamGoesOn() {
        let cut = String(Self.changes([Self.put("/r/cut", "c")]).prefix(60))
        #expect(summary(messages([cut, Self.changes([Self.put("/r/next", "n")])])) == ["unreadable", "+/r/next"])
    }

    @Test func theSilenceBoundIsLearntFromProgressNotifications() {
        var silence = WatchSilenceBound()
        #expect(silence.bound == .seconds(1800), "three times etcd's default interval of 10 minutes")
        silence.progress(after: .seconds(1))
        #expect(silence.bound == .seconds(10), "never under the floor")
        silence.progress(after: .seconds(600))
        #expect(silence.bound == .seconds(1800))
        silence.progress(after: .seconds(20))
        #expect(silence.bound == .seconds(1800), "the longest wait is kept")
    }
}
