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
        var most = try ProcessFootprintTests.filePages(of: pid, executable: executable)
        var leastAfterMost = most
        let deadline = ContinuousClock.now + .seconds(9)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let pages = try ProcessFootprintTests.filePages(of: pid, executable: executable)
            if pages.writable > most.writable {
                most = pages
                leastAfterMost = pages
            } else {
                leastAfterMost = leastAfterMost.least(pages)
            }
        }
        #expect(most.writable > 0, "\(most)")
        #expect(leastAfterMost.writable * 2 < most.writable, "from \(most) to \(leastAfterMost)")
        #expect(try await docker.run("inspect", "--format", "{{.State.Running}}", name) == "true")
    }
}
