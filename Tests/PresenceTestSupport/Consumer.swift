import Foundation

/// A consumer that knows only etcd: it reads a registration's host and port and fetches the page served
/// there, from this host or from a container on a Docker network.
public struct Consumer: Sendable {
    public let docker: DockerCLI

    public init(docker: DockerCLI) {
        self.docker = docker
    }

    /// `sh -c` script for a container of the test image serving a page that holds `$0` (its name) on port `$1`
    /// with busybox `httpd`: what the consumer fetches.
    public static let pageServer = "mkdir -p /www && echo \"$0\" > /www/index.html && exec httpd -f -p \"$1\" -h /www"

    /// The page at `http://host:port/`, fetched from this host; nil when nothing answers.
    public func fetchFromHost(_ host: String, _ port: String) async throws -> String? {
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
        let page = try await shell(["curl", "-sg", "--max-time", "5", url], allowFailure: true)
        return page.isEmpty ? nil : page.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The page at `http://host:port/`, fetched by a new container on `network` (nil: Docker's default
    /// bridge); nil when nothing answers. (The image's static `wget` cannot resolve; `nc` needs no resolver.)
    public func fetchFromContainer(on network: String?, _ host: String, _ port: String) async throws -> String? {
        let request = #"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 "$0" "$1""#
        let response = try await docker.docker(
            ["run", "--rm"] + (network.map { ["--network", $0] } ?? []) + [
                try TestEnvironment.image(), "sh", "-c", request, host, port,
            ], allowFailure: true)
        guard let body = response.range(of: "\r\n\r\n") else { return nil }
        return response[body.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One registered port as etcd holds it, read back from the `keys` format.
public struct Registered: Hashable, Sendable, CustomStringConvertible {
    public var container: String
    public var port: String
    public var host: String
    public var hostPort: String

    public init(container: String, port: String, host: String, hostPort: String) {
        self.container = container
        self.port = port
        self.host = host
        self.hostPort = hostPort
    }

    public var description: String { "\(container)/\(port)=\(host):\(hostPort)" }

    /// The registrations under `prefix` of containers whose names are among `names`.
    public static func read(_ keys: [String: String], prefix: String, names: Set<String>) -> [Registered] {
        var found: [Registered] = []
        for (key, host) in keys where key.hasSuffix("/host") {
            let parts = key.dropFirst(prefix.count + 1).split(separator: "/")
            guard parts.count == 3, names.contains(String(parts[0])) else { continue }
            let base = key.dropLast("/host".count)
            guard let port = keys[base + "/port"] else { continue }
            found.append(Registered(container: String(parts[0]), port: String(parts[1]), host: host, hostPort: port))
        }
        return found.sorted { $0.description < $1.description }
    }
}
