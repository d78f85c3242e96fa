import Foundation

/// scripts/slow-proxy.py in front of an etcd: a test sets how many seconds each request waits.
public final class SlowProxy: @unchecked Sendable {
    public let port: Int
    private let delayFile: String
    private let process: Process

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init(target: Int) throws {
        port = try freePort()
        delayFile = NSTemporaryDirectory() + "presence-delay-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: delayFile, contents: Data("0".utf8))
        process = launchScriptProxy("slow-proxy.py", [String(port), String(target), delayFile])
        try process.run()
    }

    public func waitReady() async throws {
        _ = try await eventually(timeout: .seconds(10)) {
            (try? await shell(["curl", "-sf", endpoint + "/health"]))?.contains("true") ?? false
        }
    }

    public func setDelay(_ seconds: Double) throws {
        try String(seconds).write(toFile: delayFile, atomically: true, encoding: .utf8)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: delayFile)
    }
}
