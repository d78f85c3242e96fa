import Foundation
import Presence
import PresenceTestSupport
import Testing

/// What the agent's process holds after a start, read from the kernel rather than from the agent's settings:
/// its event loop threads (`/proc/PID/task/*/comm`) and its malloc arenas (`/proc/PID/maps`). The pages of its
/// files (`/proc/PID/smaps`) are read by tests that run alone (ExclusiveTests+StartsPages).
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
        let mappings = try ProcFile.read("/proc/\(pid)/maps")
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

    /// The resident pages of the process's file mappings that are still the file's (not written by the
    /// process), in KB: of `executable`'s writable mappings, of its other mappings, and of the shared libraries'
    /// read-only mappings.
    static func filePages(of pid: Int32, executable: String) throws -> FilePages {
        var pages = FilePages()
        // The mapping being read: its file and whether it is writable.
        var mapping: (path: Substring, writable: Bool)?
        var resident = 0
        for line in try ProcFile.read("/proc/\(pid)/smaps").split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 5, fields[0].contains("-") {
                mapping = fields.count == 6 && fields[5].hasPrefix("/") ? (fields[5], fields[1].contains("w")) : nil
            } else if fields.first == "Rss:", fields.count >= 2 {
                resident = Int(fields[1]) ?? 0
            } else if fields.first == "Anonymous:", fields.count >= 2, let file = mapping {
                let anonymous = Int(fields[1]) ?? 0
                if file.path == executable {
                    if file.writable {
                        pages.writable += resident - anonymous
                    } else {
                        pages.readOnly += resident - anonymous
                    }
                } else if !file.writable && anonymous == 0 {
                    pages.libraries += resident
                }
                mapping = nil
            }
        }
        return pages
    }

    /// `filePages` every 100 ms for `duration`, the first at once: the start's pages, then their release.
    static func filePagesOverTime(of pid: Int32, executable: String, for duration: Duration) async throws
        -> [FilePages]
    {
        var samples = [try filePages(of: pid, executable: executable)]
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            samples.append(try filePages(of: pid, executable: executable))
        }
        return samples
    }

    struct FilePages: CustomStringConvertible {
        var writable = 0
        var readOnly = 0
        var libraries = 0

        func least(_ other: FilePages) -> FilePages {
            FilePages(
                writable: min(writable, other.writable), readOnly: min(readOnly, other.readOnly),
                libraries: min(libraries, other.libraries))
        }

        var description: String {
            "executable writable \(writable) KB, executable read-only \(readOnly) KB, libraries \(libraries) KB"
        }
    }

    /// Registers a container, so that the start's requests to Docker and etcd ran side by side.
    func startRegistered(environment: [String: String] = [:], binary: String? = nil) async throws -> (
        AgentProcess, String
    ) {
        let name = uniqueName("footprint")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80", "81"])
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, ttl: 60, interval: 30, environment: environment, binary: binary)
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
