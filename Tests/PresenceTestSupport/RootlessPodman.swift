import Foundation

/// Rootless Podman: `podman system service` run by an unprivileged user on `$XDG_RUNTIME_DIR/podman/podman.sock`,
/// as that user's own session would run it.
///
/// ``start()`` prepares what an administrator gives such a user (an account, subordinate ids for its user
/// namespace) and what a normal host already has (`/dev/net/tun` usable by everyone, as udev makes it; some
/// sandboxes leave it root-only, and slirp4netns then cannot give the user's containers a network). When the
/// machine cannot run rootless containers, it throws saying why: the test fails rather than skip.
public final class RootlessPodman: @unchecked Sendable {
    public static let user = "presence-rootless"
    /// One fixed directory: Podman records its runtime directory in the user's database and refuses another.
    public static let runtimeDirectory = "/tmp/presence-rootless-run"

    public private(set) var uid = 0
    public private(set) var gid = 0
    public private(set) var image = ""
    private var process: Process?

    public var dockerHost: String { "unix://\(Self.runtimeDirectory)/podman/podman.sock" }

    private var home: String { "/home/\(Self.user)" }

    public init() {}

    /// Runs `arguments` as the rootless user, in its environment.
    @discardableResult
    public func asUser(_ arguments: [String], allowFailure: Bool = false) async throws -> String {
        try await shell(
            ["runuser", "-u", Self.user, "--", "env", "XDG_RUNTIME_DIR=\(Self.runtimeDirectory)", "HOME=\(home)"]
                + arguments, allowFailure: allowFailure
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    public func podman(_ arguments: [String], allowFailure: Bool = false) async throws -> String {
        try await asUser(["podman"] + arguments, allowFailure: allowFailure)
    }

    public func start() async throws {
        for tool in ["podman", "newuidmap", "slirp4netns"] where (try? await shell(["which", tool])) == nil {
            throw ShellError(command: tool, status: -1, output: "\(tool) is not installed: run scripts/install-deps.sh")
        }
        if (try? await shell(["getent", "passwd", Self.user])) == nil {
            try await shell(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", Self.user])
        }
        uid = Int(try await shell(["id", "-u", Self.user]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        gid = Int(try await shell(["id", "-g", Self.user]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        for file in ["/etc/subuid", "/etc/subgid"] {
            let entries = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if !entries.split(separator: "\n").contains(where: { $0.hasPrefix("\(Self.user):") }) {
                try await shell(["sh", "-c", "echo \"$0:300000:65536\" >> \"$1\"", Self.user, file])
            }
        }
        let tunMode = try await shell(["stat", "-c", "%a", "/dev/net/tun"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        if tunMode != "666" { try await shell(["chmod", "0666", "/dev/net/tun"]) }
        stopLeftovers()
        for directory in [Self.runtimeDirectory, Self.runtimeDirectory + "/podman"] {
            try await shell(["install", "-d", "-m", "0700", "-o", Self.user, "-g", String(gid), directory])
        }
        // An earlier run's processes were killed: Podman's pause process must be made anew.
        try await podman(["system", "migrate"])

        let log = Self.runtimeDirectory + "/service.log"
        process = try launchLogged(
            [
                "runuser", "-u", Self.user, "--", "env", "XDG_RUNTIME_DIR=\(Self.runtimeDirectory)", "HOME=\(home)",
                "podman", "system", "service", "--time=0", dockerHost,
            ], log: log)
        let socket = String(dockerHost.dropFirst("unix://".count))
        let ready = try await eventually(timeout: .seconds(60)) {
            (try? await shell(["curl", "-sf", "--unix-socket", socket, "http://podman/_ping"])) == "OK"
        }
        guard ready != nil else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ShellError(command: "rootless podman system service", status: -1, output: "never answered: \(output)")
        }
        let archive = Self.runtimeDirectory + "/image.tar"
        try await shell(["docker", "-H", TestEnvironment.dockerHost(), "save", "-o", archive, TestEnvironment.image()])
        try await shell(["chown", Self.user, archive])
        let loaded = try await podman(["load", "-i", archive])
        guard let line = loaded.split(separator: "\n").last(where: { $0.hasPrefix("Loaded image") }),
            let name = line.split(separator: " ").last
        else { throw ShellError(command: "podman load", status: -1, output: loaded) }
        image = String(name)
    }

    /// Runs a detached container of the test image serving a page that holds its name on port 80.
    public func serve(_ name: String, ports: [String]) async throws {
        try await podman(
            ["run", "-d", "--name", name, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
                + ports.flatMap { ["-p", $0] } + [image, "sh", "-c", Consumer.pageServer, name, "80"])
    }

    /// The host port Podman published for `containerPort` (such as `80/tcp`).
    public func hostPort(_ name: String, _ containerPort: String) async throws -> String {
        let binding = try await podman(["port", name, containerPort])
        return String(binding.split(separator: "\n").first?.split(separator: ":").last ?? "")
    }

    /// Removes the user's containers and stops everything it runs. Synchronous, so usable in a `defer`.
    public func stop() {
        _ = try? shell(
            [
                "runuser", "-u", Self.user, "--", "env", "XDG_RUNTIME_DIR=\(Self.runtimeDirectory)", "HOME=\(home)",
                "podman", "rm", "-a", "-f", "-t", "0",
            ], allowFailure: true)
        process?.terminate()
        process = nil
        stopLeftovers()
    }

    /// Every process of the user: a service, conmon, slirp4netns and containers an earlier run left.
    private func stopLeftovers() {
        _ = try? shell(["pkill", "-KILL", "-u", Self.user], allowFailure: true)
        Thread.sleep(forTimeInterval: 0.5)
    }
}
