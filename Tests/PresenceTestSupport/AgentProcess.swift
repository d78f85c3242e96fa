import Foundation
import Presence

/// The agent's real executable, run as a child process with its output in a log file.
public final class AgentProcess: @unchecked Sendable {
    public let process = Process()
    public let logPath: String
    public let arguments: [String]

    /// Starts `presence` with `arguments`. `ETCD_ENDPOINTS`, `DOCKER_HOST`, etcd's TLS and auth variables and the
    /// options' `PRESENCE_*` variables are cleared unless given, so only the test's own servers are dialled, with
    /// only the options, files and users it gives.
    ///
    /// With `user`, it runs as that user id (and `group`, by default the same number) with only the
    /// supplementary `groups`, through `setpriv`, which then becomes the agent: what a non-root image or
    /// systemd's `DynamicUser=` gives it. `binary` runs another copy of the executable.
    public init(
        _ arguments: [String], environment: [String: String] = [:], user: Int? = nil, group: Int? = nil,
        groups: [Int] = [], binary: String? = nil
    ) throws {
        self.arguments = arguments
        let binary = try binary ?? TestEnvironment.binary()
        logPath = NSTemporaryDirectory() + "presence-agent-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            let groupArguments =
                groups.isEmpty ? ["--clear-groups"] : ["--groups", groups.map(String.init).joined(separator: ",")]
            process.arguments =
                ["--reuid", String(user), "--regid", String(group ?? user)] + groupArguments + [
                    "--", binary,
                ] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for name in env.keys where Self.clearedEnvironment.contains(name) || Self.isOptionVariable(name) {
            env[name] = nil
        }
        process.environment = env.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public static let clearedEnvironment = [
        "ETCD_ENDPOINTS", "DOCKER_HOST", "ETCDCTL_CACERT", "ETCDCTL_CERT", "ETCDCTL_KEY", "ETCD_USERNAME",
        "ETCD_PASSWORD", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
    ]

    /// Whether `name` could set an option of the agent: any `PRESENCE_*`. The harness's own variables
    /// (`PRESENCE_TEST_*`, `PRESENCE_BINARY`, …) go too, since the agent reads none of them; no option is named
    /// after one (`HarnessVariableTests`).
    public static func isOptionVariable(_ name: String) -> Bool {
        name.hasPrefix("PRESENCE_")
    }

    /// Starts the agent against the test servers with short timings, for `container` under `prefix`.
    public static func start(
        container: [String], prefix: String, api: EtcdAPIVersion = .v3, etcd: String? = nil,
        ttl: Int = 4, interval: Double = 1, dockerHost: String? = nil, extra: [String] = [],
        environment: [String: String] = [:], binary: String? = nil
    ) throws -> AgentProcess {
        try AgentProcess(
            container.flatMap { ["--container", $0] } + [
                "--prefix", prefix, "--etcd-api", api.rawValue, "--etcd-endpoints", try etcd ?? TestEnvironment.etcd(),
                "--docker-host", try dockerHost ?? TestEnvironment.dockerHost(), "--ttl", String(ttl), "--interval",
                String(interval),
                "--log-level", "debug",
            ] + extra, environment: environment, binary: binary)
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit and returns its status, or nil if it still runs after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(40)) async throws -> Int32? {
        guard try await eventually(timeout: timeout, every: .milliseconds(20), { !process.isRunning }) != nil else {
            return nil
        }
        return process.terminationStatus
    }

    /// Sends SIGTERM and returns the exit status and how long the agent took to exit.
    public func terminate(timeout: Duration = .seconds(40)) async throws -> (status: Int32?, took: Duration) {
        let start = ContinuousClock.now
        signal(SIGTERM)
        let status = try await waitForExit(timeout: timeout)
        return (status, ContinuousClock.now - start)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
