import Foundation
import Presence
import PresenceTestSupport
import Testing

/// What the agent's process holds after a start, read from the kernel rather than from the agent's settings:
/// its event loop threads (`/proc/PID/task/*/comm`) and its malloc arenas (`/proc/PID/maps`).
@Suite("The agent's threads and heap", .timeLimit(.minutes(2)))
struct ProcessFootprintTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    /// SwiftNIO names each thread of its shared event loop group `NIO-SGLTN-<group>-#<n>`.
    static func eventLoopThreads(of pid: Int32) throws -> [String] {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        return tasks.compactMap { task in
            try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }.filter { $0.hasPrefix("NIO-SGLTN") }.sorted()
    }

    /// glibc reserves every arena but the main one (which grows the `[heap]`) as 64 MB of address space on a 64 MB
    /// boundary: a read-write part as large as the arena has grown, then the rest inaccessible. Thread stacks
    /// are the other way round (the guard page below) and 8 MB.
    static func mallocArenas(of pid: Int32) throws -> Int {
        let arenaSize: UInt64 = 64 << 20
        let mappings = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
            .split(separator: "\n").map { line -> (start: UInt64, end: UInt64, perms: Substring, anonymous: Bool) in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                let bounds = fields[0].split(separator: "-").map { UInt64($0, radix: 16) ?? 0 }
                return (bounds[0], bounds[1], fields[1], fields.count < 6)
            }
        return zip(mappings, mappings.dropFirst()).filter { head, rest in
            head.anonymous && rest.anonymous && head.perms == "rw-p" && rest.perms == "---p"
                && head.start % arenaSize == 0 && rest.start == head.end && rest.end == head.start + arenaSize
        }.count
    }

    /// Registers a container, so that the start's requests to Docker and etcd ran side by side.
    func startRegistered(environment: [String: String] = [:]) async throws -> (AgentProcess, String) {
        let name = uniqueName("footprint")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80", "81"])
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, ttl: 60, interval: 30, environment: environment)
        let registered = try await eventually { try await etcd.keys(.v3, under: prefix).count == 4 }
        #expect(registered != nil, "\(agent.log)")
        return (agent, name)
    }

    @Test func oneEventLoopAndOneMallocArena() async throws {
        let (agent, name) = try await startRegistered()
        defer { docker.remove(name) }
        let pid = agent.process.processIdentifier
        let loops = try Self.eventLoopThreads(of: pid)
        #expect(loops.count == 1, "\(loops)")
        #expect(try Self.mallocArenas(of: pid) == 0, "arenas besides the main one")
        _ = try await agent.terminate()
    }

    /// The libraries' own variables still set what they set.
    @Test func theOperatorsVariablesWin() async throws {
        let (agent, name) = try await startRegistered(environment: ["NIO_SINGLETON_GROUP_LOOP_COUNT": "3"])
        defer { docker.remove(name) }
        #expect(try Self.eventLoopThreads(of: agent.process.processIdentifier).count == 3)
        _ = try await agent.terminate()
    }
}
