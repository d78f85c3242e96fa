import Foundation

/// Three etcd members on 127.0.0.1 forming one cluster, for tests that kill members.
public final class EtcdCluster: @unchecked Sendable {
    public struct Member: Sendable {
        public let name: String
        public let clientPort: Int
        public let peerPort: Int
        public var endpoint: String { "http://127.0.0.1:\(clientPort)" }
        public var peer: String { "http://127.0.0.1:\(peerPort)" }
    }

    public let members: [Member]
    public let directory: String
    private var processes: [String: Process] = [:]

    public var endpoints: String { members.map(\.endpoint).joined(separator: ",") }

    public init() throws {
        var members: [Member] = []
        var used = Set<Int>()
        for index in 1...3 {
            var ports: [Int] = []
            while ports.count < 2 {
                let port = try freePort()
                if used.insert(port).inserted { ports.append(port) }
            }
            members.append(Member(name: "m\(index)", clientPort: ports[0], peerPort: ports[1]))
        }
        self.members = members
        directory = NSTemporaryDirectory() + "presence-cluster-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func startAll() async throws {
        for member in members { try launch(member, state: "new") }
        for member in members { try await waitHealthy(member) }
    }

    /// Restarts a stopped member with its data.
    public func start(_ member: Member) async throws {
        try launch(member, state: "existing")
        try await waitHealthy(member)
    }

    public func kill(_ member: Member) {
        guard let process = processes[member.name], process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        processes[member.name] = nil
    }

    /// The member that is the leader now, as the members report it.
    public func leader() async throws -> Member? {
        for member in members where processes[member.name]?.isRunning == true {
            let reader = EtcdReader(endpoint: member.endpoint)
            let status = try await reader.status()
            if let leader = status.leader, leader == status.memberID { return member }
        }
        return nil
    }

    private func launch(_ member: Member, state: String) throws {
        processes[member.name] = try launchLogged(
            [
                TestEnvironment.etcdExecutable, "--name", member.name, "--data-dir", "\(directory)/\(member.name)",
                "--listen-client-urls", member.endpoint, "--advertise-client-urls", member.endpoint,
                "--listen-peer-urls", member.peer, "--initial-advertise-peer-urls", member.peer,
                "--initial-cluster", members.map { "\($0.name)=\($0.peer)" }.joined(separator: ","),
                "--initial-cluster-state", state, "--initial-cluster-token", "presence-test",
                "--heartbeat-interval", "50", "--election-timeout", "500",
            ], log: "\(directory)/\(member.name).log", appending: true)
    }

    private func waitHealthy(_ member: Member) async throws {
        let ready = try await eventually(timeout: .seconds(30)) {
            (try? await shell(["curl", "-sf", member.endpoint + "/health"]))?.contains("true") ?? false
        }
        guard ready != nil else {
            throw ShellError(command: "etcd \(member.name)", status: -1, output: "did not become healthy")
        }
    }

    deinit {
        for process in processes.values where process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
