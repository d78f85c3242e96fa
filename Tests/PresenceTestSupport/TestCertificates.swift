import Foundation

/// A CA and the certificates a TLS test needs, made with the `openssl` CLI in a temporary directory.
///
/// Every certificate is signed with `openssl ca`, which alone among OpenSSL 3.0's commands takes explicit
/// validity dates: that is how the expired certificates get a notAfter in the past.
public final class TestCertificates: @unchecked Sendable {
    /// A certificate and its private key, as PEM files.
    public struct Pair: Sendable {
        public var certificate: String
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public let directory: String
    /// The CA that signed every certificate below.
    public let caCertificate: String
    /// A CA that signed none of them: trusting it alone must fail verification.
    public let otherCACertificate: String
    /// For etcd: names 127.0.0.1 and localhost.
    public let server: Pair
    /// For etcd, but expired in 2020.
    public let expiredServer: Pair
    /// For the agent, as user `agent`.
    public let client: Pair
    /// For the agent, but expired in 2020.
    public let expiredClient: Pair

    public init() throws {
        directory = NSTemporaryDirectory() + "presence-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/issued", withIntermediateDirectories: true)
        caCertificate = directory + "/ca.pem"
        otherCACertificate = directory + "/other-ca.pem"
        try Self.makeCA(directory, name: "ca", subject: "presence test CA")
        try Self.makeCA(directory, name: "other-ca", subject: "presence other CA")
        try Data().write(to: URL(fileURLWithPath: directory + "/index.txt"))
        try Data("01\n".utf8).write(to: URL(fileURLWithPath: directory + "/serial"))
        try Data(Self.configuration(directory).utf8).write(to: URL(fileURLWithPath: directory + "/ca.cnf"))
        server = try Self.issue(directory, name: "server", subject: "127.0.0.1", profile: "server", dates: .valid)
        expiredServer = try Self.issue(
            directory, name: "expired-server", subject: "127.0.0.1", profile: "server", dates: .expired)
        client = try Self.issue(directory, name: "client", subject: "agent", profile: "client", dates: .valid)
        expiredClient = try Self.issue(
            directory, name: "expired-client", subject: "agent", profile: "client", dates: .expired)
    }

    private enum Dates {
        case valid, expired

        var arguments: [String] {
            switch self {
            case .valid: ["-days", "2"]
            case .expired: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]
            }
        }
    }

    private static func makeCA(_ directory: String, name: String, subject: String) throws {
        try shell([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(directory)/\(name)-key.pem", "-out", "\(directory)/\(name).pem", "-days", "2",
            "-subj", "/CN=\(subject)",
        ])
    }

    private static func issue(_ directory: String, name: String, subject: String, profile: String, dates: Dates) throws
        -> Pair
    {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name)-key.pem")
        try shell([
            "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", pair.key, "-out", "\(directory)/\(name).csr", "-subj", "/CN=\(subject)",
        ])
        try shell(
            [
                "openssl", "ca", "-batch", "-notext", "-config", "\(directory)/ca.cnf", "-cert", "\(directory)/ca.pem",
                "-keyfile", "\(directory)/ca-key.pem", "-in", "\(directory)/\(name).csr", "-out", pair.certificate,
                "-extensions", profile,
            ] + dates.arguments)
        return pair
    }

    /// A minimal `openssl ca` setup: any subject, extensions per use, a database `openssl ca` insists on.
    ///
    /// The server certificate may also be used by clients: etcd 3.4's gateway dials etcd's own gRPC port with it,
    /// which `--client-cert-auth` refuses otherwise (the gateway then answers 503).
    private static func configuration(_ directory: String) -> String {
        """
        [ca]
        default_ca = test
        [test]
        database = \(directory)/index.txt
        serial = \(directory)/serial
        new_certs_dir = \(directory)/issued
        default_md = sha256
        policy = any
        unique_subject = no
        [any]
        commonName = supplied
        [server]
        subjectAltName = IP:127.0.0.1,DNS:localhost
        extendedKeyUsage = serverAuth,clientAuth
        [client]
        extendedKeyUsage = clientAuth
        """
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
