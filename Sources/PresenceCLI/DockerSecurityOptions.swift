import ArgumentParser
import Presence

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The options that secure a `tcp://` link to Docker, as dockerd's own `--tlsverify` expects of its clients, and
/// Docker's conventions for them: `DOCKER_TLS_VERIFY` turns TLS on, `DOCKER_CERT_PATH` (default `~/.docker`) holds
/// `ca.pem`, `cert.pem` and `key.pem`. The options win over the files of that directory. Docker's certificate is
/// always verified.
struct DockerSecurityOptions: ParsableArguments {
    @Option(
        name: .customLong("docker-cacert"),
        help: .init(
            "CA certificate (PEM) that signed Docker's certificate, for a tcp:// --docker-host with TLS. "
                + "Env: PRESENCE_DOCKER_CACERT, or ca.pem in DOCKER_CERT_PATH.", valueName: "path"))
    var caCertificate: String?

    @Option(
        name: .customLong("docker-cert"),
        help: .init(
            "Client certificate (PEM) for a dockerd with --tlsverify; needs --docker-key. "
                + "Env: PRESENCE_DOCKER_CERT, or cert.pem in DOCKER_CERT_PATH.", valueName: "path"))
    var certificate: String?

    @Option(
        name: .customLong("docker-key"),
        help: .init(
            "Private key (PEM) of --docker-cert. Env: PRESENCE_DOCKER_KEY, or key.pem in DOCKER_CERT_PATH.",
            valueName: "path"))
    var key: String?

    /// The TLS files for `host`: the options', else, when `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set and
    /// the host is `tcp://`, those of the certificate directory; nil for plain HTTP.
    func tls(host: DockerHost, environment: (String) -> String?) throws(ConfigurationError) -> ClientTLS? {
        var caCertificate = caCertificate
        var certificate = certificate
        var key = key
        // Docker's variables are often exported for every client of a host: they apply to tcp:// hosts only,
        // as for the docker CLI.
        if case .tcp = host, environment("DOCKER_TLS_VERIFY") != nil || environment("DOCKER_CERT_PATH") != nil {
            let directory = environment("DOCKER_CERT_PATH") ?? (environment("HOME") ?? "/root") + "/.docker"
            func file(_ name: String) -> String? {
                let path = directory + "/" + name
                return access(path, F_OK) == 0 ? path : nil
            }
            guard let ca = caCertificate ?? file("ca.pem") else {
                throw ConfigurationError(
                    "DOCKER_TLS_VERIFY or DOCKER_CERT_PATH is set, but \(directory)/ca.pem does not exist: put "
                        + "Docker's CA there or give --docker-cacert")
            }
            caCertificate = ca
            if certificate == nil && key == nil, let clientCertificate = file("cert.pem"),
                let clientKey = file("key.pem")
            {
                certificate = clientCertificate
                key = clientKey
            }
        }
        guard caCertificate != nil || certificate != nil || key != nil else { return nil }
        return try ClientTLS(caCertificate: caCertificate, certificate: certificate, key: key, for: .docker)
    }
}
