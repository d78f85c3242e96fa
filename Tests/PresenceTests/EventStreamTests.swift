import Testing

@testable import Presence

@Suite("Parsing Docker's event stream")
struct EventStreamTests {
    static let start =
        #"{"status":"start","id":"abc","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web","image":"x"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}"#
    static let health =
        #"{"Type":"container","Action":"health_status: healthy","Actor":{"ID":"def","Attributes":{"name":"db"}},"time":1700000001,"timeNano":1700000001000000005}"#
    static let connect =
        #"{"Type":"network","Action":"connect","Actor":{"ID":"net1","Attributes":{"container":"abc","name":"bridge","type":"bridge"}},"time":1700000002,"timeNano":1700000002000000000}"#
    static let exec =
        #"{"Type":"container","Action":"exec_start: sh -c \"echo {\"","Actor":{"ID":"abc","Attributes":{}},"time":1,"timeNano":1000000000}"#

    func events(_ chunks: [String]) -> [DockerEventMessage] {
        var splitter = JSONObjectSplitter()
        return chunks.flatMap { DockerEventDecoding.messages(from: splitter.feed(Array($0.utf8))) }
    }

    @Test func oneObjectPerChunk() {
        let messages = events([Self.start + "\n", Self.health + "\n"])
        #expect(messages.count == 2)
        guard case .event(let first) = messages.first else {
            Issue.record("\(messages)")
            return
        }
        #expect(first.affectedContainer == "abc")
        #expect(first.timeNano == 1_700_000_000_123_456_789)
    }

    @Test(arguments: Array(1..<40))
    func chunksSplitAnywhere(size: Int) {
        let stream = Array((Self.start + "\n" + Self.exec + Self.health + "\r\n" + Self.connect).utf8)
        var chunks: [String] = []
        var index = 0
        while index < stream.count {
            let end = min(index + size, stream.count)
            chunks.append(String(decoding: stream[index..<end], as: UTF8.self))
            index = end
        }
        // Splitting inside a multi-byte character would break String round-tripping; the stream here is ASCII.
        let messages = events(chunks)
        #expect(messages.count == 4)
        let affected = messages.compactMap { message -> String? in
            guard case .event(let event) = message else { return nil }
            return event.affectedContainer
        }
        #expect(affected == ["abc", "def", "abc"], "exec_start changes no registration")
    }

    @Test func severalObjectsInOneChunk() {
        #expect(events([Self.start + Self.health + Self.connect]).count == 3)
    }

    @Test func garbageIsReportedAndTheStreamGoesOn() {
        let messages = events(["garbage" + Self.start, #"{"Type": 5}"#, Self.health])
        #expect(messages.filter { if case .malformed = $0 { true } else { false } }.count == 2)
        #expect(messages.filter { if case .event = $0 { true } else { false } }.count == 2)
    }

    @Test func anOversizedObjectIsDroppedNotBuffered() {
        var splitter = JSONObjectSplitter(maximumObjectSize: 64)
        let big = #"{"Type":"container","Action":"start","pad":""# + String(repeating: "x", count: 500) + #""}"#
        let outputs = splitter.feed(Array((big + Self.start).utf8))
        #expect(outputs.count == 2)
        #expect(outputs.first.map { if case .malformed = $0 { true } else { false } } == true)
    }

    @Test func resumeTokensKeepNanoseconds() {
        let event = DockerEvent(type: "container", action: "die", actorID: "a", timeNano: 1_700_000_000_000_000_042)
        #expect(event.resumeToken == "1700000000.000000042")
    }

    @Test func eventsOfUnselectedContainersNeedNoInspect() throws {
        let web = try ContainerSelection(names: ["web"])
        let labelled = try ContainerSelection(labels: [.init("tier=front")])
        func event(_ attributes: [String: String], type: String = "container") -> DockerEvent {
            DockerEvent(type: type, action: "start", actorID: "x", attributes: attributes, timeNano: 0)
        }
        #expect(event(["name": "web"]).mightSelect(web))
        #expect(!event(["name": "db"]).mightSelect(web))
        #expect(event(["name": "web2", "oldName": "/web"]).mightSelect(web), "renamed away from a selected name")
        #expect(event(["name": "x", "tier": "front"]).mightSelect(labelled))
        #expect(!event(["name": "x", "tier": "back"]).mightSelect(labelled))
        #expect(event([:]).mightSelect(web), "no name in the event: inspect to find out")
        #expect(!event(["container": "x"], type: "network").mightSelect(web))
    }

    @Test(arguments: [
        ("die", true), ("pause", true), ("destroy", true), ("kill", false), ("stop", false), ("start", false),
    ])
    func eventsThatProveAContainerStoppedServing(action: String, proves: Bool) {
        #expect(DockerEvent(type: "container", action: action, actorID: "a", timeNano: 0).provesNotServing == proves)
    }

    @Test(arguments: ["kill", "stop", "oom", "exec_start: sh", "create"])
    func eventsFollowedByADieOrChangingNothingAreNotReconciled(action: String) {
        #expect(DockerEvent(type: "container", action: action, actorID: "a", timeNano: 0).affectedContainer == nil)
    }
}
