import Foundation
import PresenceTestSupport
import Testing

/// The agent's image, as it runs: its unprivileged user owns the binary (deploy/Dockerfile), without which Linux
/// does not let the agent reclaim the start's pages of its writable data (Swift's constant tables sit there).
/// Among the exclusive tests because no other agent of the image may run meanwhile: reclaim leaves a page that
/// another process maps where it is.
extension ExclusiveTests {
    @Test func theImagesAgentReclaimsTheStartsWritablePages() async throws {
        let docker = try DockerCLI()
        let name = uniqueName("image-footprint")
        defer { docker.remove(name) }
        try await ImageTests.runAgent(
            name, inSocketGroup: true,
            [
                "--container", uniqueName("absent"), "--prefix", uniquePrefix(), "--etcd-endpoints",
                try TestEnvironment.etcd(),
            ], docker: docker)
        let pid = try #require(Int32(try await docker.run("inspect", "--format", "{{.State.Pid}}", name)))
        #expect(try ProcFile.read("/proc/\(pid)/status").contains("Uid:\t65532"), "the image's user")
        let executable = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))
        // The release comes 2 s after the first pass: the most is from before it, the least after.
        let samples = try await ProcessFootprintTests.filePagesOverTime(
            of: pid, executable: executable, for: .seconds(9))
        let peak = samples.indices.max { samples[$0].writable < samples[$1].writable } ?? 0
        let most = samples[peak]
        let leastAfterMost = samples[peak...].reduce(most) { $0.least($1) }
        #expect(most.writable > 0, "\(most)")
        #expect(leastAfterMost.writable * 2 < most.writable, "from \(most) to \(leastAfterMost)")
        #expect(try await docker.run("inspect", "--format", "{{.State.Running}}", name) == "true")
    }
}
