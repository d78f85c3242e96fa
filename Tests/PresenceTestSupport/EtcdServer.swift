import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A private etcd for tests that stop, restart or wipe it, or secure it, on free 127.0.0.1 ports with its own
/// data dir.
public final class EtcdServer: @unchecked Sendable {
    /// How the client port is secured.
    public struct TLS: Sendable {
        public var certificates: TestCertificates
        /// etcd's certificate: `certificates.server`, or `certificates.expiredServer`.
        public var server: TestCertificates.Pair
        /// `--client-cert-auth`: clients must present a certificate signed by the test CA.
        public var clientCertificateAuth = false

        public init(certificates: TestCertificates, server: TestCertificates.Pair, clientCertificateAuth: Bool = false)
        {
            self.certificates = certificates
            self.server = server
            self.clientCertificateAuth = clientCertificateAuth
        }
    }

    public let clientPort: Int
    public let peerPort: Int
    public let directory: String
    public let tls: TLS?
    /// More etcd flags, such as `--auth-token-ttl 1`.
    public let flags: [String]
    private var process: Process?

    public var endpoint: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(clientPort)" }

    public init(tls: TLS? = nil, flags: [String] = []) throws {
        self.tls = tls
        self.flags = flags
        clientPort = try freePort()
        peerPort = try freePort()
        directory = NSTemporaryDirectory() + "presence-etcd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts etcd and waits until it answers.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let peer = "http://127.0.0.1:\(peerPort)"
        process.arguments =
            [
                TestEnvironment.etcdExecutable, "--name", "test", "--data-dir", directory + "/data",
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=\(peer)", "--enable-v2",
            ] + tlsFlags + flags
        let log =
            FileHandle(forWritingAtPath: directory + "/etcd.log")
            ?? {
                FileManager.default.createFile(atPath: directory + "/etcd.log", contents: nil)
                return FileHandle(forWritingAtPath: directory + "/etcd.log")!
            }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let ready = try await eventually(timeout: .seconds(30)) {
            (try? await shell(["curl", "-sf"] + curlTLSFlags + [endpoint + "/health"]))?.contains("true") ?? false
        }
        guard ready != nil else {
            let log = (try? String(contentsOfFile: directory + "/etcd.log", encoding: .utf8)) ?? ""
            throw ShellError(
                command: "etcd", status: -1, output: "etcd did not become healthy: \(log.suffix(1500))")
        }
    }

    private var tlsFlags: [String] {
        guard let tls else { return [] }
        return ["--cert-file", tls.server.certificate, "--key-file", tls.server.key]
            + (tls.clientCertificateAuth
                ? ["--client-cert-auth", "--trusted-ca-file", tls.certificates.caCertificate] : [])
    }

    /// Readiness only: `-k`, since the server's certificate may be the expired one.
    private var curlTLSFlags: [String] {
        guard let tls else { return [] }
        return ["-k"]
            + (tls.clientCertificateAuth
                ? ["--cert", tls.certificates.client.certificate, "--key", tls.certificates.client.key] : [])
    }

    /// Stops etcd (SIGTERM) and waits for it to exit; the data stays.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Removes the data, so the next start is an empty etcd.
    public func wipe() throws {
        try? FileManager.default.removeItem(atPath: directory + "/data")
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The ports `freePort` has handed out in this test run.
private let handedOutPorts = Mutex<Set<Int>>([])

/// A TCP port on 127.0.0.1 that nothing listens on now.
///
/// It is drawn below the kernel's ephemeral range (32768 and up): a client retrying a port in that range can
/// connect to itself and hold the port, so a server started there later could not bind it.
///
/// A port is handed out once per test run: tests run in parallel and draw many ports (etcd members, proxies,
/// metrics endpoints, published ports), and two of them drawing the same free port would race for it.
public func freePort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20000..<32000)
        guard handedOutPorts.withLock({ $0.insert(port).inserted }) else { continue }
        if isBindable(port) { return port }
    }
    throw ShellError(command: "bind", status: errno, output: "no free port between 20000 and 32000")
}

/// `count` consecutive TCP ports on 127.0.0.1 that nothing listens on now, for a published range
/// (`-p A-B:A-B`); each handed out once per test run, as `freePort` does.
public func freePortRange(count: Int) throws -> ClosedRange<Int> {
    for _ in 0..<200 {
        let start = Int.random(in: 20000..<(32000 - count))
        let range = start...(start + count - 1)
        let claimed = handedOutPorts.withLock { handedOut in
            guard handedOut.isDisjoint(with: range) else { return false }
            handedOut.formUnion(range)
            return true
        }
        guard claimed else { continue }
        if range.allSatisfy(isBindable) { return range }
    }
    throw ShellError(
        command: "bind", status: errno, output: "no \(count) consecutive free ports between 20000 and 32000")
}

/// Whether a TCP socket can bind `port` on 127.0.0.1 now.
private func isBindable(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
