import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private Podman serving Docker's Engine API (`podman system service`) on its own socket, with its storage,
/// locks, events and network configuration in a temporary directory. It still shares netavark's bridge and
/// firewall chains with any other rootful Podman, so a test process runs one at a time (``PodmanTurn``).
///
/// Its containers run from the offline test image, copied from the test dockerd. ``stop()`` (also run on deinit)
/// removes the containers, kills the service and whatever it left, unmounts and deletes the directory.
public final class PodmanService: @unchecked Sendable {
    public let directory: String
    private var process: Process?
    private var holdsTurn = false
    /// The test image as Podman names it once loaded, such as `localhost/presence-test:latest`.
    public private(set) var image = ""

    /// What the agent's `--docker-host` should be.
    public var dockerHost: String { "unix://\(directory)/podman.sock" }

    /// Podman's global options: this service's storage.
    private var globalOptions: [String] {
        ["--root", directory + "/root", "--runroot", directory + "/runroot", "--storage-driver", "overlay"]
    }

    /// Podman's configuration: file locks and an events log under the directory, rather than the machine-wide
    /// shared-memory locks and journal; cgroupfs, as systemd may not manage the machine; runc, as crun refuses
    /// a hybrid cgroup layout; netavark, which publishes ports with the host's firewall.
    private var environment: [String: String] { ["CONTAINERS_CONF": directory + "/containers.conf"] }

    public init() throws {
        // Short: Podman's sockets live under it, and a unix socket's path has at most 107 bytes.
        directory = "/tmp/podman-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/networks", withIntermediateDirectories: true)
        let configuration = """
            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            lock_type = "file"
            tmp_dir = "\(directory)/tmp"
            events_logger = "file"
            events_logfile_path = "\(directory)/events.log"

            [network]
            network_backend = "netavark"
            network_config_dir = "\(directory)/networks"

            """
        try configuration.write(toFile: directory + "/containers.conf", atomically: true, encoding: .utf8)
    }

    /// Waits for the process's turn at rootful Podman, starts the service, waits until it answers `/_ping`, and
    /// loads the test image from the test dockerd.
    public func start() async throws {
        guard (try? await shell(["podman", "--version"])) != nil else {
            throw ShellError(
                command: "podman", status: -1, output: "podman is not installed: run scripts/install-deps.sh")
        }
        await PodmanTurn.shared.take()
        holdsTurn = true
        let log = directory + "/service.log"
        process = try launchLogged(
            ["podman"] + globalOptions + ["system", "service", "--time=0", dockerHost], environment: environment,
            log: log)
        let socket = directory + "/podman.sock"
        let ready = try await eventually(timeout: .seconds(30)) {
            (try? await shell(["curl", "-sf", "--unix-socket", socket, "http://podman/_ping"])) == "OK"
        }
        guard ready != nil else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ShellError(command: "podman system service", status: -1, output: "never answered: \(output)")
        }
        let archive = directory + "/image.tar"
        try await shell(["docker", "-H", TestEnvironment.dockerHost(), "save", "-o", archive, TestEnvironment.image()])
        let loaded = try await podman(["load", "-i", archive])
        // "Loaded image: localhost/presence-test:latest" (or "Loaded image(s): …" on older versions).
        guard let line = loaded.split(separator: "\n").last(where: { $0.hasPrefix("Loaded image") }),
            let name = line.split(separator: " ").last
        else { throw ShellError(command: "podman load", status: -1, output: loaded) }
        image = String(name)
    }

    /// Runs the podman CLI on this service's storage and returns its trimmed output.
    @discardableResult
    public func podman(_ arguments: [String], allowFailure: Bool = false) async throws -> String {
        try await shell(["podman"] + globalOptions + arguments, environment: environment, allowFailure: allowFailure)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a detached container from the test image with `ports` (`-p` values) and returns its id.
    ///
    /// `--init` puts catatonit in front of `sleep`, so a stop's SIGTERM ends it at once. The ulimits are fixed
    /// because Podman's defaults (1048576 open files) can exceed the hard limit the test runs under, and runc
    /// then refuses to start the container ("error setting rlimit type 7: operation not permitted").
    @discardableResult
    public func run(_ name: String, ports: [String], extra: [String] = []) async throws -> String {
        try await podman(
            ["run", "-d", "--init", "--name", name, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
                + ports.flatMap { ["-p", $0] } + extra + [image])
    }

    /// The host port Podman published for `containerPort` (such as `80/tcp`), from `podman port`.
    public func hostPort(_ name: String, _ containerPort: String) async throws -> String {
        let binding = try await podman(["port", name, containerPort])
        return String(binding.split(separator: "\n").first?.split(separator: ":").last ?? "")
    }

    /// The host address Podman's Docker-compatible inspect reports for `containerPort`'s first binding, read with
    /// curl: Podman leaves it empty for every interface, where Docker says `0.0.0.0`.
    public func hostIP(_ name: String, _ containerPort: String) async throws -> String? {
        let body = try await shell([
            "curl", "-sf", "--unix-socket", directory + "/podman.sock", "http://podman/v1.41/containers/\(name)/json",
        ])
        let inspect = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let ports = (inspect?["NetworkSettings"] as? [String: Any])?["Ports"] as? [String: Any]
        return (ports?[containerPort] as? [[String: Any]])?.first?["HostIp"] as? String
    }

    /// Removes the containers, kills the service and everything left under the directory, unmounts what is
    /// still mounted there, deletes it and gives the turn to the next service. Safe to call more than once;
    /// synchronous, so usable in a `defer`.
    public func stop() {
        _ = try? shell(["podman"] + globalOptions + ["rm", "-a", "-f", "-t", "0"], environment: environment)
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
        killLeftovers()
        unmountEverything()
        try? FileManager.default.removeItem(atPath: directory)
        if holdsTurn {
            holdsTurn = false
            PodmanTurn.shared.give()
        }
    }

    /// conmon (one per container) names the directory on its command line; a failed `rm` would leave it.
    private func killLeftovers() {
        let ownPID = getpid()
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        for pid in pids where pid != ownPID {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            if String(decoding: data, as: UTF8.self).contains(directory) { kill(pid, SIGKILL) }
        }
    }

    /// Overlay layers, shm and the storage's own bind mount, deepest first.
    private func unmountEverything() {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let points = mounts.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let point = String(fields[1])
            return point.hasPrefix(directory + "/") ? point : nil
        }
        for point in points.sorted(by: { $0.count > $1.count }) {
            if umount2(point, 0) != 0 { umount2(point, Int32(MNT_DETACH)) }
        }
    }

    deinit {
        stop()
    }
}
