import NIOSSL

/// The files that secure the agent's connections to etcd, named as etcdctl names them: the CA that signed
/// etcd's certificate (`--etcd-cacert`), and the agent's own certificate and key (`--etcd-cert`, `--etcd-key`)
/// for an etcd started with `--client-cert-auth`.
///
/// Every file is read and parsed here, so a missing or broken file is a usage error at start rather than a
/// failure at the first request.
public struct EtcdTLS: Sendable {
    /// The paths as given, for messages.
    public let caCertificatePath: String?
    public let certificatePath: String?
    public let keyPath: String?
    private let trustRoots: [NIOSSLCertificate]
    private let certificateChain: [NIOSSLCertificate]
    private let privateKey: NIOSSLPrivateKey?

    /// Reads and checks the files; at least one path should be given.
    public init(caCertificate: String?, certificate: String?, key: String?) throws(ConfigurationError) {
        if certificate != nil && key == nil {
            throw ConfigurationError("--etcd-cert needs --etcd-key, the private key of that certificate")
        }
        if key != nil && certificate == nil {
            throw ConfigurationError("--etcd-key needs --etcd-cert, the certificate of that key")
        }
        caCertificatePath = caCertificate
        certificatePath = certificate
        keyPath = key
        trustRoots =
            try caCertificate.map { path throws(ConfigurationError) in
                try EtcdTLS.certificates(path, option: "--etcd-cacert")
            } ?? []
        certificateChain =
            try certificate.map { path throws(ConfigurationError) in
                try EtcdTLS.certificates(path, option: "--etcd-cert")
            } ?? []
        privateKey = try key.map { path throws(ConfigurationError) in try EtcdTLS.privateKey(path) }
        if let certificate, let key {
            // BoringSSL refuses a key that is not the certificate's when it builds a context: find out now.
            do {
                _ = try NIOSSLContext(configuration: configuration)
            } catch {
                throw ConfigurationError("--etcd-key '\(key)' is not the private key of --etcd-cert '\(certificate)'")
            }
        }
    }

    /// The options that were given, for messages.
    public var optionNames: [String] {
        [("--etcd-cacert", caCertificatePath), ("--etcd-cert", certificatePath), ("--etcd-key", keyPath)]
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
            return "--etcd-cert '\(path)' expired on \(EtcdTLS.format(Int(leaf.notValidAfter))); renew it"
        }
        if now < Int(leaf.notValidBefore) {
            return "--etcd-cert '\(path)' is not valid before \(EtcdTLS.format(Int(leaf.notValidBefore))); "
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

    private static func privateKey(_ path: String) throws(ConfigurationError) -> NIOSSLPrivateKey {
        let bytes = try contents(of: path, option: "--etcd-key")
        guard let key = try? NIOSSLPrivateKey(bytes: bytes, format: .pem) else {
            throw ConfigurationError("--etcd-key '\(path)' holds no unencrypted PEM private key")
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
