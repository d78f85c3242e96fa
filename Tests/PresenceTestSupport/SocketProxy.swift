import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The read-only Docker socket proxy the project ships (deploy/docker-socket-proxy.cfg), run by HAProxy in
/// front of the test dockerd, listening on a socket of its own.
public final class SocketProxy: @unchecked Sendable {
    public let directory: String
    private var process: Process?

    /// What the agent's `--docker-host` should be.
    public var dockerHost: String { "unix://\(socket)" }
    public var socket: String { directory + "/docker.sock" }
    public var log: String { (try? String(contentsOfFile: directory + "/haproxy.log", encoding: .utf8)) ?? "" }

    public static let configuration =
        TestEnvironment.repositoryRoot.appendingPathComponent("deploy/docker-socket-proxy.cfg").path

    private let configuration: String

    /// - Parameter refusing: a path of the agent's that this proxy refuses as well (`containers/json`), to see
    ///   how the agent takes a 403.
    public init(refusing path: String? = nil) throws {
        directory = "/tmp/presence-proxy-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let path else {
            configuration = Self.configuration
            return
        }
        let shipped = try String(contentsOfFile: Self.configuration, encoding: .utf8)
        let narrowed = shipped.replacingOccurrences(of: "|\(path)|", with: "|")
        guard narrowed != shipped else { throw ShellError(command: "narrowing the proxy", status: -1, output: path) }
        configuration = directory + "/narrowed.cfg"
        try narrowed.write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    /// Starts HAProxy with the shipped configuration and waits until Docker answers through it.
    public func start() async throws {
        guard (try? await shell(["which", "haproxy"])) != nil else {
            throw ShellError(
                command: "haproxy", status: -1, output: "haproxy is not installed: run scripts/install-deps.sh")
        }
        process = try launchLogged(
            ["haproxy", "-db", "-f", configuration],
            environment: [
                "DOCKER_SOCKET": String(try TestEnvironment.dockerHost().dropFirst("unix://".count)),
                "PROXY_LISTEN": socket,
            ], log: directory + "/haproxy.log")
        let ready = try await eventually(timeout: .seconds(15)) { try await status("GET", "/_ping") == 200 }
        guard ready != nil else {
            throw ShellError(
                command: "haproxy -f \(Self.configuration)", status: -1, output: "never answered: \(self.log)")
        }
    }

    /// The status the proxy answers `method path` with.
    public func status(_ method: String, _ path: String) async throws -> Int {
        // curl -X HEAD would wait for the body the headers announce: --head reads none.
        let request = method == "HEAD" ? ["--head"] : ["-X", method]
        let code = try await shell(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + request
                + ["--max-time", "10", "--unix-socket", socket, "http://docker\(path)"],
            allowFailure: true)
        return Int(code) ?? 0
    }

    /// Stops HAProxy and deletes its directory. Synchronous, so usable in a `defer`.
    public func stop() {
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        process = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}
