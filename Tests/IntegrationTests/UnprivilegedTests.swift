import Foundation
import Presence
import PresenceTestSupport
import Testing

/// The agent needs no root: only the right to connect to Docker's socket, which its group gives.
@Suite("The agent as an unprivileged user", .timeLimit(.minutes(3)))
struct UnprivilegedTests {
    /// A user id no account on the host has, as systemd's `DynamicUser=` allocates one.
    static let user = 61_234

    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    /// The group owning the test dockerd's socket (`docker` where that group exists).
    func socketGroup() async throws -> Int {
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        return try #require(
            Int(try await shell(["stat", "-c", "%g", socket]).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func arguments(_ name: String, prefix: String) throws -> [String] {
        [
            "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
            "--docker-host", try TestEnvironment.dockerHost(), "--ttl", "4", "--interval", "1",
        ]
    }

    @Test func withTheSocketsGroupItRegistersAndCleansUp() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("unprivileged")
        defer { docker.remove(name) }
        let agent = try AgentProcess(
            try arguments(name, prefix: prefix), user: Self.user, groups: [try await socketGroup()])
        try await docker.start(name, ports: ["80"])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        #expect(try await eventually { try await etcd.keys(.v3, under: prefix) == expected } != nil, "\(agent.log)")
        let status = try await shell([
            "sh", "-c", "grep -E '^(Uid|Groups):' /proc/$0/status", "\(agent.process.processIdentifier)",
        ])
        #expect(status.contains("\(Self.user)"), "it runs as the unprivileged user: \(status)")
        #expect(try await agent.terminate().status == 0)
        #expect(try await etcd.keys(.v3, under: prefix).isEmpty)
    }

    /// Without the group, the socket refuses it: one line saying what to change, and it keeps trying.
    @Test func withoutTheGroupItSaysWhatToChangeAndKeepsTrying() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("refused")
        defer { docker.remove(name) }
        try await docker.start(name, ports: ["80"])
        let agent = try AgentProcess(try arguments(name, prefix: prefix), user: Self.user)
        let told = try await eventually(timeout: .seconds(15)) { agent.log.contains("permission denied") }
        #expect(told != nil, "\(agent.log)")
        let line = agent.log.split(separator: "\n").first { $0.contains("permission denied") } ?? ""
        #expect(line.contains("warning") && line.contains("group"), "\(line)")
        try await Task.sleep(for: .seconds(2))
        #expect(agent.isRunning, "\(agent.log)")
        #expect(try await etcd.keys(.v3, under: prefix).isEmpty)
        #expect(try await agent.terminate().status == 0)
    }

    /// A socket it may use, in a directory it may not search: told apart from a missing socket.
    @Test func aDirectoryItCannotSearchIsNamed() async throws {
        let socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
        let directory = NSTemporaryDirectory() + "presence-closed-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The same socket under another name (a hard link), behind a directory only root may search.
        try FileManager.default.linkItem(atPath: socket, toPath: directory + "/docker.sock")
        let agent = try AgentProcess(
            [
                "--container", "absent", "--prefix", uniquePrefix(), "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", "unix://\(directory)/docker.sock",
            ], user: Self.user, groups: [try await socketGroup()])
        let advice = "permission denied on a directory on the way to the socket"
        #expect(try await eventually(timeout: .seconds(15)) { agent.log.contains(advice) } != nil, "\(agent.log)")
        #expect(agent.isRunning)
        #expect(try await agent.terminate().status == 0)
    }
}
