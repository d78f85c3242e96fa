import Foundation
import PresenceTestSupport
import Testing

/// Docker's answers are untrusted: an engine that answers with oversized and malformed data must not make
/// the agent buffer it, crash, or write anything.
@Suite("A hostile Docker", .timeLimit(.minutes(3)))
struct HostileDockerTests {
    @Test func oversizedAndMalformedAnswersAreRefusedNotBuffered() async throws {
        let port = try freePort()
        let server = launchScriptProxy("hostile-docker.py", [String(port)])
        try server.run()
        defer {
            // SIGKILL: children inherit the test process's blocked signals, and Python keeps SIGTERM blocked.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        #expect(
            try await eventually { (try? await shell(["curl", "-sf", "http://127.0.0.1:\(port)/_ping"])) == "OK" }
                != nil)
        let prefix = uniquePrefix()
        let etcd = try EtcdReader()
        let agent = try AgentProcess([
            "--all", "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
            "--docker-host", "tcp://127.0.0.1:\(port)", "--ttl", "4", "--interval", "1",
        ])
        let refused = try await eventually(timeout: .seconds(20)) {
            agent.log.contains("larger than 8 MiB; refused")
                && agent.log.contains("skipped part of Docker's event stream")
        }
        #expect(refused != nil, "\(agent.log.suffix(3000))")
        try await Task.sleep(for: .seconds(3))
        #expect(agent.isRunning)
        let rss = residentKilobytes(of: agent.process.processIdentifier)
        #expect(rss > 0 && rss < 64 * 1024, "resident memory \(rss) KiB: nothing was buffered whole")
        #expect(try await etcd.keys(under: prefix + "/").isEmpty)
        #expect(try await agent.terminate().status == 0)
        Reliability.record(
            "a Docker answering 9 MiB inspects and garbage, 2 MiB and truncated events",
            outcome: "refused and skipped, \(rss / 1024) MiB resident, nothing written", recovery: nil,
            passed: refused != nil && rss < 64 * 1024)
    }
}

/// A process's resident memory from /proc, in KiB.
func residentKilobytes(of pid: Int32) -> Int {
    guard let status = try? ProcFile.read("/proc/\(pid)/status") else { return 0 }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
    return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
}
