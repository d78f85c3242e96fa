import Foundation

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
        let peer = "http://127.0.0.1:\(peerPort)"
        process = try launchLogged(
            [
                TestEnvironment.etcdExecutable, "--name", "test", "--data-dir", directory + "/data",
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=\(peer)", "--enable-v2",
            ] + tlsFlags + flags, log: directory + "/etcd.log", appending: true)
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
