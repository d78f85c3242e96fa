import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The one rule by which tests and benchmarks pick TCP ports on 127.0.0.1 for the servers, proxies, metrics
/// endpoints and published ports they start. scripts/test-servers.sh's `pick_port` follows the same rule for the
/// shared etcd and dockerd's TLS listener, which it starts before any Swift runs.
///
/// - A port is drawn from ``range``, below the kernel's ephemeral range (`net.ipv4.ip_local_port_range`, 32768
///   and up by default): a client retrying a port in that range can connect to itself and hold the port, and the
///   kernel hands those ports to outgoing connections, so a server started there later could not bind it.
/// - A port is in use if `/proc/net/tcp` or `/proc/net/tcp6` lists a socket on it in any state (a listener on
///   another address, a connection, `TIME_WAIT`), or if 127.0.0.1 cannot bind it now.
/// - The probe that binds a port is close-on-exec, so no process the tests start keeps it (see ``isBindable(_:)``).
/// - A port is handed out once per process: tests run in parallel and draw many ports, and two of them drawing
///   the same free port would race for it. The ports handed out are remembered until the process exits.
public enum FreePorts {
    /// Where ports are drawn from: 20000 up to the kernel's default ephemeral range.
    public static let range = 20000..<32768

    /// The ports handed out in this process.
    fileprivate static let handedOut = Mutex<Set<Int>>([])

    /// Whether no TCP socket uses any of `ports` now.
    fileprivate static func areFree(_ ports: ClosedRange<Int>) -> Bool {
        let used = usedPorts()
        return ports.allSatisfy { !used.contains($0) && isBindable($0) }
    }

    /// The local ports of every TCP socket the kernel lists, in any state.
    private static func usedPorts() -> Set<Int> {
        var ports = Set<Int>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            // "  sl  local_address rem_address …", then rows such as "0: 0100007F:1F90 00000000:0000 0A …".
            for row in text.split(separator: "\n").dropFirst() {
                let fields = row.split(separator: " ")
                guard fields.count > 1, let colon = fields[1].lastIndex(of: ":") else { continue }
                if let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16) { ports.insert(port) }
            }
        }
        return ports
    }

    /// Whether a TCP socket can bind `port` on 127.0.0.1 now.
    ///
    /// The probe is close-on-exec: tests on other threads start processes all the time, and Foundation's `Process`
    /// passes them every descriptor that is not. A long-lived child (an etcd, an agent, a proxy) that inherited the
    /// probe would hold the very port this hands out, and the server given it would fail with "bind: address
    /// already in use" (CI saw it with a private etcd's peer port).
    private static func isBindable(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing uses now and that this process has not handed out before, by the
/// rule of ``FreePorts``.
public func freePort() throws -> Int {
    try freePortRange(count: 1).lowerBound
}

/// `count` consecutive TCP ports on 127.0.0.1 that nothing uses now, for a published range (`-p A-B:A-B`), each
/// handed out once per process, by the rule of ``FreePorts``.
public func freePortRange(count: Int) throws -> ClosedRange<Int> {
    for _ in 0..<200 {
        let start = Int.random(in: FreePorts.range.lowerBound...(FreePorts.range.upperBound - count))
        let ports = start...(start + count - 1)
        let claimed = FreePorts.handedOut.withLock { handedOut in
            guard handedOut.isDisjoint(with: ports) else { return false }
            handedOut.formUnion(ports)
            return true
        }
        if claimed && FreePorts.areFree(ports) { return ports }
    }
    throw ShellError(
        command: "bind", status: -1,
        output:
            "no \(count) consecutive free TCP ports in \(FreePorts.range.lowerBound)-\(FreePorts.range.upperBound - 1)"
    )
}
