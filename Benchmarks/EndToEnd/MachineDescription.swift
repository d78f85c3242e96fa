import Foundation
import PresenceTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What the report says of the machine: CPU, memory, kernel, the servers' versions, the load.
enum MachineDescription {
    static func read(etcd: EtcdGateway, etcdData: String, docker: DockerEngine, agent: String) async
        -> BenchmarkResults.Machine
    {
        var machine = BenchmarkResults.Machine()
        machine.host = HostDescription.read()
        machine.etcd = await etcd.version()
        machine.etcdDataFilesystem = filesystem(of: etcdData)
        machine.dockerd = (try? await docker.version()) ?? "?"
        machine.loadAtStart = loadAverage()
        let version = (try? await shell([agent, "--version"]))?.trimmingCharacters(in: .whitespacesAndNewlines)
        machine.agentVersion = version ?? "?"
        return machine
    }

    /// The 1, 5 and 15 minute load averages.
    static func loadAverage() -> String {
        var loads = [Double](repeating: 0, count: 3)
        guard getloadavg(&loads, 3) == 3 else { return "?" }
        return loads.map { Format.fixed($0, 2) }.joined(separator: " ")
    }

    /// The type of the filesystem `path` is on, from the longest mount point above it.
    static func filesystem(of path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        var best = ""
        var type = "?"
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2 else { continue }
            let mount = String(fields[1])
            let within = resolved == mount || resolved.hasPrefix(mount == "/" ? "/" : mount + "/")
            if within && mount.count >= best.count {
                best = mount
                type = String(fields[2])
            }
        }
        return type
    }
}
