import Foundation

/// A TCP proxy to the test dockerd (socat), that a test can cut to make Docker unreachable for one agent only.
final class DockerProxy: @unchecked Sendable {
    let port: Int
    private let socket: String
    private var process: Process?

    var dockerHost: String { "tcp://127.0.0.1:\(port)" }

    init() throws {
        port = try freePort()
        socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
    }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["socat", "TCP-LISTEN:\(port),bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:\(socket)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        _ = try await eventually(timeout: .seconds(10)) {
            (try? shell(["curl", "-sf", "http://127.0.0.1:\(port)/_ping"])) == "OK"
        }
    }

    /// Cuts every connection through the proxy and stops listening.
    func stop() {
        guard let process, process.isRunning else { return }
        // socat forks a child per connection: kill those too, or open streams would survive.
        _ = try? shell(["pkill", "-KILL", "-P", String(process.processIdentifier)], allowFailure: true)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        stop()
    }
}
