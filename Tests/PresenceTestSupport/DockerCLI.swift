import Foundation

/// The test dockerd, driven through the real docker CLI.
public struct DockerCLI: Sendable {
    public let host: String

    public init() throws {
        host = try TestEnvironment.dockerHost()
    }

    @discardableResult
    public func run(_ arguments: String...) async throws -> String {
        try await docker(arguments)
    }

    @discardableResult
    public func docker(_ arguments: [String], allowFailure: Bool = false) async throws -> String {
        try await shell(["docker", "-H", host] + arguments, allowFailure: allowFailure)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a detached container from the test image with `ports` (`-p` values) and returns its id.
    ///
    /// Docker picks a random host port from the range the kernel also hands out to outgoing connections, so on
    /// a busy machine the port it picked may be taken by the time it binds: then the container is removed and
    /// started again, with another port.
    @discardableResult
    public func start(_ name: String, ports: [String], extra: [String] = []) async throws -> String {
        let arguments =
            ["run", "-d", "--init", "--name", name] + ports.flatMap { ["-p", $0] } + extra + [
                try TestEnvironment.image()
            ]
        for _ in 1..<3 {
            do {
                return try await docker(arguments)
            } catch let error as ShellError where error.output.contains("address already in use") {
                try await docker(["rm", "-f", name], allowFailure: true)
            }
        }
        return try await docker(arguments)
    }

    /// Removes a container, waiting for it: usable in a `defer`.
    public func remove(_ name: String) {
        _ = try? shell(["docker", "-H", host, "rm", "-f", name], allowFailure: true)
    }

    /// Removes containers, waiting for it: usable in a `defer`.
    public func remove(_ names: [String]) {
        _ = try? shell(["docker", "-H", host, "rm", "-f"] + names, allowFailure: true)
    }

    /// The address consumers dial for ports bound to every interface: the kernel's own IPv4 address on the
    /// interface of Docker's default bridge, never an Engine API field that the agent reads itself.
    public func expectedHostIP() async throws -> String {
        try await kernelAddress(ofInterface: try await bridgeInterface("bridge"), family: "-4")
    }

    /// The host interface of a bridge network: `docker0` for the default one, `br-` and the id's first 12
    /// characters for user-defined ones unless the network names one.
    public func bridgeInterface(_ network: String) async throws -> String {
        let named = try await docker([
            "network", "inspect", network, "--format", #"{{index .Options "com.docker.network.bridge.name"}}"#,
        ])
        if !named.isEmpty && named != "<no value>" { return named }
        let id = try await docker(["network", "inspect", network, "--format", "{{.Id}}"])
        return "br-" + id.prefix(12)
    }

    /// The first address of `family` (`-4`, or `-6` of global scope) the kernel gives `interface`.
    public func kernelAddress(ofInterface interface: String, family: String) async throws -> String {
        let scope = family == "-6" ? ["scope", "global"] : []
        let output = try await shell(["ip", family, "-o", "addr", "show", "dev", interface] + scope)
        let words = output.split(whereSeparator: \.isWhitespace)
        guard let inet = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), inet + 1 < words.count else {
            throw ShellError(command: "ip \(family) addr show dev \(interface)", status: 0, output: output)
        }
        return String(words[inet + 1].prefix { $0 != "/" })
    }

    /// The host port Docker chose for `containerPort` (such as `80/tcp`) of a container.
    public func hostPort(_ name: String, _ containerPort: String) async throws -> String {
        try await docker([
            "inspect", "--format", "{{(index (index .NetworkSettings.Ports \"\(containerPort)\") 0).HostPort}}", name,
        ])
    }

    /// The keys etcd should hold for running containers `names` under `prefix`, worked out from one
    /// `docker inspect` independently of the agent's own code.
    public func expectedKeys(prefix: String, names: [String], host: String) async throws -> [String: String] {
        let lines = try await docker(
            ["inspect", "--format", "{{.Name}} {{.State.Running}} {{.State.Paused}} {{json .NetworkSettings.Ports}}"]
                + names, allowFailure: true)
        var keys: [String: String] = [:]
        for line in lines.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count == 4, fields[1] == "true", fields[2] == "false" else { continue }
            let name = String(fields[0].dropFirst())
            let ports = (try JSONSerialization.jsonObject(with: Data(fields[3].utf8)) as? [String: Any]) ?? [:]
            for (containerPort, value) in ports {
                guard let bindings = value as? [[String: String]], !bindings.isEmpty else { continue }
                let parts = containerPort.split(separator: "/")
                let segment = parts[1] == "tcp" ? String(parts[0]) : "\(parts[0])-\(parts[1])"
                let binding = bindings.first { !($0["HostIp"] ?? "").contains(":") } ?? bindings[0]
                let ip = binding["HostIp"] ?? ""
                keys["\(prefix)/\(name)/\(segment)/host"] = ["", "0.0.0.0", "::"].contains(ip) ? host : ip
                keys["\(prefix)/\(name)/\(segment)/port"] = binding["HostPort"]
            }
        }
        return keys
    }
}
