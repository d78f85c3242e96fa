import NIOSSL

/// The files that secure the agent's connections to a server (etcd or Docker), named as etcdctl and docker name
/// them: the CA that signed the server's certificate (`--etcd-cacert`, `--docker-cacert`), and the agent's own
/// certificate and key (`--etcd-cert`, `--etcd-key`) for a server that asks for one (etcd's
/// `--client-cert-auth`, dockerd's `--tlsverify`).
///
/// Every file is read and parsed here, so a missing or broken file is a usage error at start rather than a
/// failure at the first request.
public struct ClientTLS: Sendable {
    /// Whose link the files secure: the prefix of their options.
    public enum Server: String, Sendable {
        case etcd, docker
    }

    public let server: Server
    /// The paths as given, for messages.
    public let caCertificatePath: String?
    public let certificatePath: String?
    public let keyPath: String?
    private let trustRoots: [NIOSSLCertificate]
    private let certificateChain: [NIOSSLCertificate]
    private let privateKey: NIOSSLPrivateKey?

    /// Reads and checks the files; at least one path should be given.
    public init(
        caCertificate: String?, certificate: String?, key: String?, for server: Server = .etcd
    ) throws(ConfigurationError) {
        let option = "--\(server.rawValue)"
        if certificate != nil && key == nil {
            throw ConfigurationError("\(option)-cert needs \(option)-key, the private key of that certificate")
        }
        if key != nil && certificate == nil {
            throw ConfigurationError("\(option)-key needs \(option)-cert, the certificate of that key")
        }
        self.server = server
        caCertificatePath = caCertificate
        certificatePath = certificate
        keyPath = key
        trustRoots =
            try caCertificate.map { path throws(ConfigurationError) in
                try ClientTLS.certificates(path, option: "\(option)-cacert")
            } ?? []
        certificateChain =
            try certificate.map { path throws(ConfigurationError) in
                try ClientTLS.certificates(path, option: "\(option)-cert")
            } ?? []
        privateKey = try key.map { path throws(ConfigurationError) in
            try ClientTLS.privateKey(path, option: "\(option)-key")
        }
        if let certificate, let key {
            // BoringSSL refuses a key that is not the certificate's when it builds a context: find out now.
            do {
                _ = try NIOSSLContext(configuration: configuration)
            } catch {
                throw ConfigurationError(
                    "\(option)-key '\(key)' is not the private key of \(option)-cert '\(certificate)'")
            }
        }
    }

    /// The options that were given, for messages.
    public var optionNames: [String] {
        let option = "--\(server.rawValue)"
        return [
            ("\(option)-cacert", caCertificatePath), ("\(option)-cert", certificatePath), ("\(option)-key", keyPath),
        ]
        .compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// A client configuration trusting the given CA (or the system's roots without one) and presenting the
    /// client certificate if one was given.
    public var configuration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !trustRoots.isEmpty { configuration.trustRoots = .certificates(trustRoots) }
        if let privateKey {
            configuration.certificateChain = certificateChain.map { .certificate($0) }
            configuration.privateKey = .privateKey(privateKey)
        }
        return configuration
    }

    /// Why the client certificate is not valid at `date` (expired, or not valid yet), or nil if it is.
    public func clientCertificateProblem(at date: Date = Date()) -> String? {
        guard let leaf = certificateChain.first, let path = certificatePath else { return nil }
        let now = Int(date.timeIntervalSince1970)
        if now > Int(leaf.notValidAfter) {
            return
                "--\(server.rawValue)-cert '\(path)' expired on \(ClientTLS.format(Int(leaf.notValidAfter))); renew it"
        }
        if now < Int(leaf.notValidBefore) {
            return
                "--\(server.rawValue)-cert '\(path)' is not valid before \(ClientTLS.format(Int(leaf.notValidBefore))); "
                + "check the clock or the certificate"
        }
        return nil
    }

    private static func format(_ time: Int) -> String {
        Date(timeIntervalSince1970: TimeInterval(time)).formatted(.iso8601)
    }

    private static func certificates(_ path: String, option: String) throws(ConfigurationError) -> [NIOSSLCertificate] {
        let bytes = try contents(of: path, option: option)
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            throw ConfigurationError("\(option) '\(path)' holds no PEM certificate")
        }
        return certificates
    }

    private static func privateKey(_ path: String, option: String) throws(ConfigurationError) -> NIOSSLPrivateKey {
        let bytes = try contents(of: path, option: option)
        guard let key = try? NIOSSLPrivateKey(bytes: bytes, format: .pem) else {
            throw ConfigurationError("\(option) '\(path)' holds no unencrypted PEM private key")
        }
        return key
    }

    static func contents(of path: String, option: String) throws(ConfigurationError) -> [UInt8] {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError("\(option) '\(path)': no such file")
        }
        guard !isDirectory else { throw ConfigurationError("\(option) '\(path)' is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(option) '\(path)' cannot be read; check its permissions")
        }
        return Array(data)
    }
}
