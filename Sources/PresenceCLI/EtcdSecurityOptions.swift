import ArgumentParser
import Presence

/// The options that secure the link to etcd: TLS files as etcdctl names them, and the user to authenticate as.
///
/// There is deliberately no password option: a command line is visible to every user of the host in `ps`.
///
/// `Command` is the command that declares them: ArgumentParser hands a subcommand the option group its parent
/// already decoded when both declare the same type, and the root command stops parsing at `list`, so the agent
/// and `presence list` each need a type of their own for `presence list --etcd-cacert …` to be read.
struct EtcdSecurityOptions<Command>: ParsableArguments {
    @Option(
        name: .customLong("etcd-cacert"),
        help: .init(
            "CA certificate (PEM) that signed etcd's certificate. Env: PRESENCE_ETCD_CACERT or ETCDCTL_CACERT.",
            valueName: "path"))
    var caCertificate: String?

    @Option(
        name: .customLong("etcd-cert"),
        help: .init(
            "Client certificate (PEM) for an etcd with --client-cert-auth; needs --etcd-key. Env: PRESENCE_ETCD_CERT or ETCDCTL_CERT.",
            valueName: "path"))
    var certificate: String?

    @Option(
        name: .customLong("etcd-key"),
        help: .init("Private key (PEM) of --etcd-cert. Env: PRESENCE_ETCD_KEY or ETCDCTL_KEY.", valueName: "path"))
    var key: String?

    @Option(
        name: .customLong("etcd-user"),
        help: .init(
            "etcd user to authenticate as; its password comes from ETCD_PASSWORD or --etcd-password-file. "
                + "Env: PRESENCE_ETCD_USER or ETCD_USERNAME.", valueName: "name"))
    var user: String?

    @Option(
        name: .customLong("etcd-password-file"),
        help: .init(
            "File holding the password of --etcd-user (a final newline is ignored). Env: PRESENCE_ETCD_PASSWORD_FILE.",
            valueName: "path"))
    var passwordFile: String?

    /// The TLS files from the options, or else the environment; nil if none is given.
    func tls(environment: (String) -> String?) throws(ConfigurationError) -> ClientTLS? {
        let caCertificate = caCertificate ?? environment("ETCDCTL_CACERT")
        let certificate = certificate ?? environment("ETCDCTL_CERT")
        let key = key ?? environment("ETCDCTL_KEY")
        guard caCertificate != nil || certificate != nil || key != nil else { return nil }
        return try ClientTLS(caCertificate: caCertificate, certificate: certificate, key: key)
    }

    /// The user and password from the options, or else the environment; nil if no user is given.
    func credentials(environment: (String) -> String?) throws(ConfigurationError) -> EtcdCredentials? {
        try EtcdCredentials.resolve(
            user: user ?? environment("ETCD_USERNAME"), passwordFile: passwordFile,
            environmentPassword: environment("ETCD_PASSWORD"))
    }
}
