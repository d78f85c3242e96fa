import Foundation

/// `etcdctl watch --prefix` as a consumer runs it (confd, a CoreDNS plugin): every event under a prefix, as
/// etcd sends it, kept in a file. Independent of the agent's own etcd code.
public final class EtcdWatch: @unchecked Sendable {
    private let process = Process()
    private let outputPath: String

    public init(endpoint: String, prefix: String) throws {
        outputPath = NSTemporaryDirectory() + "presence-watch-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["etcdctl", "--endpoints", endpoint, "watch", "--prefix", prefix]
        process.environment = ProcessInfo.processInfo.environment.merging(["ETCDCTL_API": "3"]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// The events seen so far: `PUT`/`DELETE` and the key, one per event.
    public var events: [String] {
        let lines = ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n")
        var events: [String] = []
        var index = 0
        while index < lines.count {
            if lines[index] == "PUT" || lines[index] == "DELETE" {
                events.append("\(lines[index]) \(index + 1 < lines.count ? lines[index + 1] : "")")
            }
            index += 1
        }
        return events
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
