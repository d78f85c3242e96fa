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
    /// The peer port can change at a start that finds it taken; see ``start()``.
    public private(set) var peerPort: Int
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
    ///
    /// etcd that exits at once is not waited for. If it exited because one of its ports was taken meanwhile (CI
    /// once saw the peer port of a restart in use), it is started again: on a new peer port when it has no data
    /// yet (nothing has recorded the old one), else on the same ports after a second. What held the port goes to
    /// the test output, and into the error if every attempt fails.
    public func start() async throws {
        var taken: [String] = []
        var output = ""
        for _ in 1...5 {
            let logStart = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
            let launched = try launch()
            process = launched
            let settled = try await eventually(timeout: .seconds(30)) {
                guard launched.isRunning else { return true }
                // A bounded wait: a stranger listening on the client port may take the connection and never answer.
                return (try? await shell(["curl", "-sf", "--max-time", "2"] + curlTLSFlags + [endpoint + "/health"]))?
                    .contains("true") ?? false
            }
            if settled != nil && launched.isRunning { return }
            output = logText(from: logStart)
            guard !launched.isRunning, let port = portInUse(output) else { break }
            let holder = ((try? await shell(["ss", "-Htanp", "sport", "=", ":\(port)"])) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            taken.append("127.0.0.1:\(port) was in use: \(holder.isEmpty ? "(ss lists nothing now)" : holder)")
            print("EtcdServer: \(taken.last!); starting etcd again")
            if port == peerPort && !FileManager.default.fileExists(atPath: directory + "/data") {
                peerPort = try freePort()
            } else {
                try await Task.sleep(for: .seconds(1))
            }
        }
        stop()
        throw ShellError(
            command: "etcd", status: -1,
            output: "etcd did not become healthy: \((taken + [String(output.suffix(1500))]).joined(separator: "\n"))")
    }

    private var logPath: String { directory + "/etcd.log" }

    private func launch() throws -> Process {
        let peer = "http://127.0.0.1:\(peerPort)"
        return try launchLogged(
            [
                TestEnvironment.etcdExecutable, "--name", "test", "--data-dir", directory + "/data",
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=\(peer)", "--enable-v2",
            ] + tlsFlags + flags, log: logPath, appending: true)
    }

    /// The log from byte `offset` on: what the last launch wrote.
    private func logText(from offset: Int) -> String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// The port of "listen tcp 127.0.0.1:PORT: bind: address already in use" in etcd's log.
    private func portInUse(_ log: String) -> Int? {
        guard let match = log.firstMatch(of: /listen tcp 127\.0\.0\.1:(\d+): bind: address already in use/) else {
            return nil
        }
        return Int(match.1)
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
