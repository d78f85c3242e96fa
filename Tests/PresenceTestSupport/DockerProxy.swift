import Foundation

/// A TCP proxy to the test dockerd (socat; with `recording`, scripts/recording-proxy.py), that a test can cut to
/// make Docker unreachable for one agent only.
public final class DockerProxy: @unchecked Sendable {
    public private(set) var port: Int
    private let socket: String
    private var process: Process?
    /// With `recording`, the proxy writes here the request line of every request the agent sends.
    public let recordPath: String?

    public var dockerHost: String { "tcp://127.0.0.1:\(port)" }

    public init(recording: Bool = false) throws {
        recordPath = recording ? NSTemporaryDirectory() + "presence-docker-traffic-\(UUID().uuidString.prefix(8))" : nil
        port = try freePort()
        socket = String(try TestEnvironment.dockerHost().dropFirst("unix://".count))
    }

    /// Starts socat and waits until Docker answers through it; on another port if this one could not be bound.
    public func start() async throws {
        for attempt in 1...3 {
            launch()
            let answered = try await eventually(timeout: .seconds(10)) {
                (try? await shell(["curl", "-sf", "http://127.0.0.1:\(port)/_ping"])) == "OK"
            }
            if answered != nil { return }
            stop()
            if attempt < 3 { port = try freePort() }
        }
        throw ShellError(command: "socat", status: 1, output: "the proxy to \(socket) never answered on 127.0.0.1")
    }

    private func launch() {
        let process: Process
        if let recordPath {
            // One process, which writes each request line whole: socat's `-v` dump interleaves its forked
            // children's output, and two requests at once could cut a line in two.
            if !FileManager.default.fileExists(atPath: recordPath) {
                FileManager.default.createFile(atPath: recordPath, contents: nil)
            }
            process = launchScriptProxy("recording-proxy.py", [String(port), socket, recordPath])
        } else {
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["socat", "TCP-LISTEN:\(port),bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:\(socket)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        do {
            try process.run()
            self.process = process
        } catch {
            self.process = nil
        }
    }

    /// The request lines (`METHOD /path HTTP/1.1`) the agent sent through the proxy.
    public var requestLines: [String] {
        guard let recordPath, let text = try? String(contentsOfFile: recordPath, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).map(String.init)
    }

    /// Cuts every connection through the proxy and stops listening.
    public func stop() {
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
