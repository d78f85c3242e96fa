import Foundation
import PresenceTestSupport
import Testing

/// `--log-format json`: every line the real agent writes is one JSON object, and lines about a container name it.
@Suite("JSON logs", .timeLimit(.minutes(3)))
struct JSONLogTests {
    @Test func everyLineIsJSONAndContainerLinesNameTheContainer() async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let name = uniqueName("jsonlog")
        let prefix = uniquePrefix()
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, extra: ["--log-format", "json"])
        try await docker.start(name, ports: ["80"])
        #expect(try await eventually { try await etcd.keys(under: prefix + "/").count == 2 } != nil, "\(agent.log)")
        try await docker.run("stop", "-t", "0", name)
        #expect(try await eventually { try await etcd.keys(under: prefix + "/").isEmpty } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")

        let lines = agent.log.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(agent.log.hasSuffix("\n") && !lines.isEmpty, "\(agent.log)")
        var objects: [[String: Any]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let object else {
                Issue.record("not a JSON object: \(line)")
                continue
            }
            #expect(
                object["timestamp"] is String && object["level"] is String && object["message"] is String, "\(line)")
            objects.append(object)
        }
        let messages = { (container: String) in
            objects.filter { $0["container"] as? String == container }.compactMap { $0["message"] as? String }
        }
        #expect(messages(name).contains("container registered"), "\(agent.log)")
        #expect(messages(name).contains("container deregistered"), "\(agent.log)")
        // A line whose message speaks of the container carries it as a field too.
        for object in objects where (object["message"] as? String)?.contains(name) == true {
            #expect(object["container"] as? String == name, "\(object)")
        }
        // The registration line lists the ports it wrote, with the address and host port of each.
        let registered = try #require(
            objects.first { $0["container"] as? String == name && $0["message"] as? String == "container registered" })
        let ports = try #require(registered["ports"] as? [String], "\(registered)")
        #expect(ports.count == 1 && ports[0].hasPrefix("80/tcp="), "\(ports)")
        let started = try #require(objects.first { $0["message"] as? String == "presence started" })
        #expect(started["prefix"] as? String == prefix)
    }
}
