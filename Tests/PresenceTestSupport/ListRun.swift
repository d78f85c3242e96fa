import Foundation

/// `presence list` run to completion, with its standard output and standard error kept apart: the listing is
/// on one, the notes about skipped keys and failures on the other.
public struct ListRun: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String

    /// Runs `presence list` with `arguments`, with no etcd settings from the environment but those given.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ListRun {
        let base = NSTemporaryDirectory() + "presence-list-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.binary())
        process.arguments = ["list"] + arguments
        var env = ProcessInfo.processInfo.environment
        for name in AgentProcess.clearedEnvironment { env[name] = nil }
        process.environment = env.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let exited = try await eventually(timeout: .seconds(30), every: .milliseconds(20)) { !process.isRunning }
        guard exited != nil else {
            kill(process.processIdentifier, SIGKILL)
            throw ShellError(command: "presence list \(arguments)", status: -1, output: "still running after 30 s")
        }
        return ListRun(
            status: process.terminationStatus,
            output: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
            errors: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// The table's rows below the header, split into columns at runs of spaces.
    public var rows: [[String]] {
        output.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    }

    /// The `--output json` array.
    public var objects: [[String: Any]] {
        get throws {
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        }
    }
}
