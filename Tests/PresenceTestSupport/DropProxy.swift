import Foundation

/// scripts/drop-proxy.py in front of an etcd: a test arms it to cut the connection of the next request for a
/// path, as an endpoint that fails once does.
public final class DropProxy: @unchecked Sendable {
    public let port: Int
    private let controlFile: String
    private let process: Process

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init(target: Int) throws {
        port = try freePort()
        controlFile = NSTemporaryDirectory() + "presence-drop-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: controlFile, contents: Data())
        process = launchScriptProxy("drop-proxy.py", [String(port), String(target), controlFile])
        try process.run()
    }

    public func waitReady() async throws {
        let ready = try await eventually(timeout: .seconds(10)) {
            (try? await shell(["curl", "-sf", endpoint + "/health"]))?.contains("true") ?? false
        }
        if ready == nil { throw ShellError(command: "drop-proxy", status: 1, output: "never answered on \(endpoint)") }
    }

    /// Cuts the connection of the next request for `path` (e.g. `/v3/lease/keepalive`).
    public func dropNext(_ path: String) throws {
        try path.write(toFile: controlFile, atomically: true, encoding: .utf8)
    }

    /// How many requests were cut so far.
    public var dropped: Int {
        ((try? String(contentsOfFile: controlFile + ".log", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: controlFile)
        try? FileManager.default.removeItem(atPath: controlFile + ".log")
    }
}
