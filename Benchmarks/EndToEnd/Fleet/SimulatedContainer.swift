import Foundation

/// One container of a simulated host: what `GET /containers/json` lists and `GET /containers/{id}/json`
/// inspects. Only the fields the agent decodes (ContainerSummary, DockerInspectResponse) carry meaning; a few
/// more are filled so that the answers look like dockerd's.
struct SimulatedContainer: Sendable {
    /// One published TCP port: Docker's `HostIp` and `HostPort` for the container port.
    struct Port: Sendable {
        var containerPort: Int
        var hostIP: String
        var hostPort: Int
    }

    let id: String
    let name: String
    let ports: [Port]
    /// The container's address on the simulated bridge (loopback, so nothing could ever dial elsewhere).
    let address: String
    var running = true

    /// The container `number` (1-based) of host `host`: 80/tcp on every container, bound to 0.0.0.0 on odd
    /// numbers and 127.0.0.1 on even ones, and on even numbers also 9000/tcp on 0.0.0.0; so a host of 50
    /// containers publishes 75 ports, both binding addresses the agent treats differently.
    init(host: Int, number: Int, subnetBase: String) {
        // 64 hex digits as Docker's ids are, unique per host and container, stable across runs.
        id =
            String(format: "%08lx", host) + String(format: "%08lx", number) + String(repeating: "0", count: 40)
            + String(format: "%08lx", host &* 7919 &+ number)
        name = String(format: "c-%03d", number)
        var ports = [
            Port(containerPort: 80, hostIP: number % 2 == 1 ? "0.0.0.0" : "127.0.0.1", hostPort: 20000 + number)
        ]
        if number % 2 == 0 { ports.append(Port(containerPort: 9000, hostIP: "0.0.0.0", hostPort: 21000 + number)) }
        self.ports = ports
        address = subnetBase + String(1 + number)
    }

    /// The entry of `GET /containers/json` for a running container, with the fields Docker lists: its endpoint
    /// settings too, which are enough for the agent to register it without an inspect.
    func listEntry(gateway: String) -> [String: Any] {
        [
            "Id": id, "Names": ["/" + name], "Image": "fleet:sim", "ImageID": "sha256:" + id,
            "Command": "sleep infinity", "Created": 1_700_000_000, "State": "running", "Status": "Up 5 minutes",
            "Labels": [String: String](),
            "Ports": ports.map {
                ["IP": $0.hostIP, "PrivatePort": $0.containerPort, "PublicPort": $0.hostPort, "Type": "tcp"]
                    as [String: Any]
            },
            "HostConfig": ["NetworkMode": "default"],
            "NetworkSettings": ["Networks": ["bridge": ["IPAddress": address, "Gateway": gateway]]],
        ]
    }

    /// The answer of `GET /containers/{id}/json`.
    func inspect(gateway: String) -> [String: Any] {
        var bindings: [String: Any] = [:]
        var exposed: [String: Any] = [:]
        for port in ports {
            bindings["\(port.containerPort)/tcp"] = [["HostIp": port.hostIP, "HostPort": String(port.hostPort)]]
            exposed["\(port.containerPort)/tcp"] = [String: String]()
        }
        return [
            "Id": id, "Name": "/" + name, "Created": "2023-11-14T22:13:20Z", "Image": "sha256:" + id,
            "State": [
                "Status": running ? "running" : "exited", "Running": running, "Paused": false, "Restarting": false,
                "Pid": running ? 4242 : 0, "ExitCode": 0,
            ] as [String: Any],
            "Config": ["Labels": [String: String](), "ExposedPorts": exposed, "Image": "fleet:sim"] as [String: Any],
            "HostConfig": ["NetworkMode": "default"],
            "NetworkSettings": [
                "Ports": running ? bindings : [String: Any](), "Gateway": running ? gateway : "",
                "IPAddress": running ? address : "",
                "Networks": ["bridge": ["IPAddress": running ? address : "", "Gateway": running ? gateway : ""]],
            ] as [String: Any],
        ]
    }
}
