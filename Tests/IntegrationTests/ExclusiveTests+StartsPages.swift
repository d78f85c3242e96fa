import Foundation
import PresenceTestSupport
import Testing

/// The start's pages, read from /proc of a fresh agent. Among the exclusive tests because no other agent may run
/// meanwhile: the kernel leaves a page that another process maps where it is, and a fault maps back whatever
/// of a shared library the other agents keep cached (on Linux 6.18 a whole folio of it).
extension ExclusiveTests {
    /// Once the start is over, the pages that the start made resident leave the process: those of the
    /// executable's read-only mappings and of its writable ones (Swift's constant tables are in writable
    /// sections), and the shared libraries' read-only pages. The agent runs a private copy of the executable,
    /// beside it on the same file system, so that no other test's agent shares its pages (the kernel leaves
    /// shared pages where they are).
    @Test func theStartsPagesLeaveTheProcess() async throws {
        let docker = try DockerCLI()
        let original = try TestEnvironment.binary()
        let copy = original + "-footprint-\(UUID().uuidString.prefix(8))"
        // `cp` writes the copy in a process of its own: had this process opened it for writing, an agent that
        // another test spawns meanwhile would inherit the descriptor until its exec, and exec'ing the copy
        // would then fail with ETXTBSY ("Text file busy").
        try await shell(["cp", original, copy])
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let (agent, name) = try await ProcessFootprintTests().startRegistered(binary: copy)
        defer { docker.remove(name) }
        let pid = agent.process.processIdentifier
        let executable = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))
        // The release comes 2 s after the first pass; the start's pages are all still there just after it.
        let samples = try await ProcessFootprintTests.filePagesOverTime(
            of: pid, executable: executable, for: .seconds(8))
        let atStart = samples[0]
        let least = samples.dropFirst().reduce(atStart) { $0.least($1) }
        #expect(atStart.writable > 0 && atStart.readOnly > 0 && atStart.libraries > 0, "\(atStart)")
        #expect(least.writable * 2 < atStart.writable, "from \(atStart) to \(least)")
        #expect(least.readOnly * 2 < atStart.readOnly, "from \(atStart) to \(least)")
        #expect(least.libraries * 2 < atStart.libraries, "from \(atStart) to \(least)")
        #expect(agent.isRunning)
        _ = try await agent.terminate()
    }
}
