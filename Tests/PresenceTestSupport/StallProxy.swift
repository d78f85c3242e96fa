import Foundation

/// scripts/stall-proxy.py in front of the test dockerd or an etcd: a test arms it to stop answering in the middle
/// of an answer (`stall`), to let a stream fall silent without closing (`mute`) or to keep requests from the
/// server (`hold`), and reads the requests it saw.
public final class StallProxy: @unchecked Sendable {
    public private(set) var port: Int
    private let target: String
    private let ruleFile: String
    private let logFile: String
    private var process: Process?

    public var address: String { "127.0.0.1:\(port)" }

    /// A proxy to the test dockerd's socket.
    public static func docker() throws -> StallProxy {
        try StallProxy(target: String(try TestEnvironment.dockerHost().dropFirst("unix://".count)))
    }

    /// A proxy to an etcd's client port on 127.0.0.1.
    public static func etcd(port: Int) throws -> StallProxy {
        try StallProxy(target: String(port))
    }

    /// `target`: a unix socket path, or a TCP port on 127.0.0.1.
    private init(target: String) throws {
        self.target = target
        port = try freePort()
        let base = NSTemporaryDirectory() + "presence-stall-\(UUID().uuidString.prefix(8))"
        ruleFile = base + ".rules"
        logFile = base + ".log"
        FileManager.default.createFile(atPath: ruleFile, contents: nil)
        FileManager.default.createFile(atPath: logFile, contents: nil)
    }

    /// Starts the proxy and waits until it answers `probe` (a path on the target); on another port if this one
    /// could not be bound.
    public func start(probe: String) async throws {
        for attempt in 1...3 {
            launch()
            let answered = try await eventually(timeout: .seconds(10)) {
                (try? await shell(["curl", "-sf", "-o", "/dev/null", "http://\(address)\(probe)"])) != nil
            }
            if answered != nil { return }
            stop()
            if attempt < 3 { port = try freePort() }
        }
        throw ShellError(command: "stall-proxy.py", status: 1, output: "the proxy to \(target) never answered")
    }

    private func launch() {
        let process = launchScriptProxy("stall-proxy.py", [String(port), target, ruleFile, logFile])
        do {
            try process.run()
            self.process = process
        } catch {
            self.process = nil
        }
    }

    /// Stops answering, mid-answer, every request whose request line contains `request` (`/containers/json`).
    public func stall(_ request: String) throws { try setRules(["stall \(request)"]) }

    /// Silences the streams answering requests that contain `request`, from the next piece they carry.
    public func mute(_ request: String) throws { try setRules(["mute \(request)"]) }

    /// Keeps every request whose request line contains `request` from the target: it is never applied, and
    /// its connection carries nothing more.
    public func hold(_ request: String) throws { try setRules(["hold \(request)"]) }

    /// Answers everything again; connections already stalled, muted or held stay so.
    public func disarm() throws { try setRules([]) }

    private func setRules(_ rules: [String]) throws {
        try rules.map { $0 + "\n" }.joined().write(toFile: ruleFile, atomically: true, encoding: .utf8)
    }

    /// The request lines the proxy saw, and its notes in order: `answering REQUEST` for the first piece of an answer
    /// it passed on, `passed REQUEST` for each later piece, `stalled REQUEST`, `muted REQUEST` and `held REQUEST`.
    public var log: [String] {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL: children inherit the test process's blocked signals, and Python keeps SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: ruleFile)
        try? FileManager.default.removeItem(atPath: logFile)
    }
}
