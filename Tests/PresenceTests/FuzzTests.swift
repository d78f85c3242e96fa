import Testing

@testable import Presence

/// Docker's answers are untrusted: random, truncated and hostile input must never crash the agent or make it
/// write a key outside its prefix. Each test is bounded in time and seeded, so a failure can be replayed.
@Suite("Fuzzing the event parser and inspect decoding")
struct FuzzTests {
    /// A small, seedable generator (SplitMix64), so a failing seed reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let budget: Duration = .seconds(1)
    static let hostile = [
        "../../etc", "..", ".", "", "a/b", "/", "x\u{0}y", "tab\there", "new\nline", "%2F..%2F", "web",
        String(repeating: "a", count: 5000), "ünïcødé", "\u{202E}rtl", "{}", "\"quoted\"", "back\\slash",
    ]

    static func inspectJSON(name: String, labels: [String: String], ports: String, using rng: inout SplitMix) -> String
    {
        func quoted(_ text: String) -> String {
            var escaped = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return "\"" + escaped + "\""
        }
        let labelText = labels.map { "\(quoted($0.key)):\(quoted($0.value))" }.joined(separator: ",")
        let running = Bool.random(using: &rng) ? "true" : "false"
        return """
            {"Id":"abc","Name":\(quoted("/" + name)),"State":{"Running":\(running),"Paused":false},\
            "Config":{"Labels":{\(labelText)}},"NetworkSettings":{"Ports":{\(ports)}}}
            """
    }

    static func randomPorts(using rng: inout SplitMix) -> String {
        let keys = ["80/tcp", "53/udp", "x/tcp", "0/tcp", "65536/tcp", "443", "9/sctp", "1/quic", "-1/tcp"]
        let values = ["\"8080\"", "\"0\"", "\"abc\"", "\"99999\"", "\"-5\"", "\"\"", "null", "80"]
        let ips = ["\"0.0.0.0\"", "\"::\"", "\"\"", "\"127.0.0.1\"", "null", "5", "\"../x\""]
        return (0..<Int.random(in: 0...4, using: &rng)).map { _ in
            let bindings = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                "{\"HostIp\":\(ips.randomElement(using: &rng)!),\"HostPort\":\(values.randomElement(using: &rng)!)}"
            }
            return "\"\(keys.randomElement(using: &rng)!)\":[\(bindings.joined(separator: ","))]"
        }.joined(separator: ",")
    }

    /// Every key a decision could write stays in one of the container's directories, as exactly
    /// `{prefix}/{name}/{port}/{field}` or `/skydns/…/{label}/{port}`.
    static func checkKeys(of snapshot: ContainerSnapshot, layout: KeyLayout) {
        let selection = try! ContainerSelection(all: true)
        let decision = RegistrationDecision.decide(snapshot, selection: selection, hostIP: "172.17.0.1")
        guard case .register(let name, let ports, _) = decision else { return }
        for key in layout.keys(container: name, id: "1", ports: ports).keys {
            guard let directory = layout.directory(containing: key) else {
                Issue.record("\(key) is outside every root")
                continue
            }
            #expect(layout.directories(of: name).contains(directory), "\(key)")
            let segments = key.dropFirst(directory.count + 1).split(separator: "/", omittingEmptySubsequences: false)
            #expect(segments.count == (directory.hasPrefix(SkyDNSDomain.root + "/") ? 1 : 2), "\(key)")
            #expect(segments.allSatisfy { KeyLayout.isValidSegment($0) }, "\(key)")
        }
    }

    @Test(arguments: [1, 2] as [UInt64])
    func hostileInspectResponsesNeverWriteOutsideThePrefix(seed: UInt64) throws {
        var rng = SplitMix(state: seed)
        let layout = try KeyLayout(
            template: "/containers", hostname: "h1",
            formats: [.keys, .skydns(try SkyDNSDomain(template: "containers.example.org", hostname: "h1"))])
        let clock = ContinuousClock()
        let start = clock.now
        var decoded = 0
        var iterations = 0
        while clock.now - start < Self.budget {
            iterations += 1
            var labels: [String: String] = [:]
            if Bool.random(using: &rng) { labels["presence.name"] = Self.hostile.randomElement(using: &rng)! }
            if Bool.random(using: &rng) {
                labels["presence.ports"] = ["80", "80,53/udp", "x", "", "../1"].randomElement(using: &rng)!
            }
            if Bool.random(using: &rng) {
                labels["presence.ignore"] = ["true", "TRUE", "no"].randomElement(using: &rng)!
            }
            var bytes = Array(
                Self.inspectJSON(
                    name: Self.hostile.randomElement(using: &rng)!, labels: labels,
                    ports: Self.randomPorts(using: &rng),
                    using: &rng
                ).utf8)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            case 1:
                for _ in 0..<Int.random(in: 1...5, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            default: break
            }
            guard let response = try? JSONDecoder().decode(DockerInspectResponse.self, from: Data(bytes)) else {
                continue
            }
            decoded += 1
            Self.checkKeys(of: response.snapshot, layout: layout)
        }
        #expect(decoded > 0 && iterations > decoded / 2, "the fuzzer exercised decoding (\(decoded) of \(iterations))")
        print(
            "reliability: fuzzed inspect responses, seed \(seed): \(iterations) inputs, \(decoded) decodable | "
                + "no crash, no key outside the prefix | n/a | n/a | pass")
    }

    @Test(arguments: [4, 5] as [UInt64])
    func randomAndTruncatedEventStreamsNeverCrashTheParser(seed: UInt64) {
        var rng = SplitMix(state: seed)
        let valid = EventStreamTests.start + "\n" + EventStreamTests.health + EventStreamTests.connect
        let clock = ContinuousClock()
        let start = clock.now
        var events = 0
        while clock.now - start < Self.budget {
            var splitter = JSONObjectSplitter(maximumObjectSize: 4096)
            var stream: [UInt8]
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                stream = (0..<Int.random(in: 0...2000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1: stream = Array(valid.utf8.prefix(Int.random(in: 0...valid.utf8.count, using: &rng)))
            default:
                stream = Array(valid.utf8)
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let brackets: [UInt8] = Array("{}[]\"\\".utf8)
                    stream[Int.random(in: 0..<stream.count, using: &rng)] = brackets.randomElement(using: &rng)!
                }
            }
            var index = 0
            while index < stream.count {
                let end = min(stream.count, index + Int.random(in: 1...64, using: &rng))
                for message in DockerEventDecoding.messages(from: splitter.feed(stream[index..<end])) {
                    if case .event(let event) = message {
                        events += 1
                        _ = event.affectedContainer
                        _ = event.resumeToken
                    }
                }
                index = end
            }
        }
        #expect(events > 0, "some streams still held whole events")
        print(
            "reliability: fuzzed event streams (random, truncated, corrupted; random chunking), seed \(seed) | "
                + "no crash; \(events) events still read | n/a | n/a | pass")
    }

    @Test func hostileContainerListsDecodeOrFailCleanly() {
        var rng = SplitMix(state: 7)
        let valid = Array(#"[{"Id":"abc","Names":["/web","/x/y"],"Labels":{"a":"b"}},{"Id":"d","Names":null}]"#.utf8)
        for _ in 0..<5000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let list = try? JSONDecoder().decode([ContainerSummary].self, from: Data(bytes)) {
                #expect(list.count <= 2)
            }
        }
    }
}
