import ArgumentParser
import Presence

/// `EtcdSecurityOptions` as `presence list` takes them: the same options, in a type of its own.
///
/// ArgumentParser hands a subcommand the option group its parent already decoded when both declare the same type,
/// and the root command stops parsing at `list`: with the shared type, `presence list --etcd-cacert …` would be
/// refused as unknown. The values are handed to an `EtcdSecurityOptions`, so both commands resolve them (and
/// their environment variables) the same way.
struct ListEtcdSecurityOptions: ParsableArguments {
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

    /// The same values as the agent's option group, which knows how to resolve them.
    var options: EtcdSecurityOptions {
        var options = EtcdSecurityOptions()
        options.caCertificate = caCertificate
        options.certificate = certificate
        options.key = key
        options.user = user
        options.passwordFile = passwordFile
        return options
    }
}
