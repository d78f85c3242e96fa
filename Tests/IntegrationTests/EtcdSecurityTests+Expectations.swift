import Foundation
import PresenceTestSupport
import Testing

/// The two outcomes most security tests expect: the agent registers and cleans up, or etcd refuses it and the
/// agent says why and keeps retrying.
extension EtcdSecurityTests {
    /// Runs the agent for one container against `endpoint`, expects exactly the container's keys, then SIGTERM to
    /// remove them and exit 0. Returns the agent for more checks of its log.
    @discardableResult
    func expectRegisteredAndRemoved(
        etcd: EtcdCtl, endpoint: String, under prefix: String = uniquePrefix(#function), extra: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> AgentProcess {
        let name = uniqueName("secure")
        try await docker.start(name, ports: ["80", "53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, etcd: endpoint, extra: extra, environment: environment)
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(expected.count == 4)
        let took = try await eventually { try etcd.keys(under: prefix + "/") == expected }
        #expect(took != nil, "\(agent.log)")
        if let took, took > .seconds(3) { print("slow registration: \(agent.log)") }
        let (status, _) = try await agent.terminate()
        #expect(status == 0, "\(agent.log)")
        #expect(try etcd.keys(under: prefix + "/").isEmpty, "SIGTERM removed every key")
        #expect(!agent.log.contains("warning"), "\(agent.log)")
        print("\(endpoint): registered in \(took.map { "\(milliseconds($0)) ms" } ?? "never"), removed at SIGTERM")
        return agent
    }

    /// Runs the agent with TLS settings etcd refuses: it must log `message` and `advice` within seconds (no hang),
    /// keep running and retrying, write nothing, and still exit 0 on SIGTERM.
    func expectRefusedWithoutRegistering(
        _ server: EtcdServer, extra: [String], message: String, advice: String
    ) async throws {
        let name = uniqueName("refused")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, etcd: server.endpoint, extra: extra)
        let warned = try await eventually(timeout: .seconds(10)) { agent.log.contains(message) }
        #expect(warned != nil, "\(agent.log)")
        let warning = agent.log.split(separator: "\n").first { $0.contains(message) } ?? ""
        #expect(warning.contains("warning"), "logged as a warning: \(warning)")
        #expect(warning.contains(advice), "\(warning)")
        // Still retrying after a while: the failure is repeated at debug level, and the agent is up.
        let retried = try await eventually(timeout: .seconds(10)) {
            agent.log.components(separatedBy: message).count > 3
        }
        #expect(retried != nil, "\(agent.log)")
        #expect(agent.isRunning)
        #expect(try EtcdCtl(server).keys(under: prefix + "/").isEmpty)
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        print("refused: warned after \(warned.map { "\(milliseconds($0)) ms" } ?? "never"): \(warning.suffix(200))")
    }
}
