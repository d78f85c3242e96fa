/// The etcd user the agent authenticates as, and its password.
///
/// The password is never printed: not by `description`, not by `dump` or a debugger, and never in a message.
public struct EtcdCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let user: String
    let password: String

    public init(user: String, password: String) throws(ConfigurationError) {
        guard !user.isEmpty else { throw ConfigurationError("--etcd-user is empty") }
        // etcdctl and HTTP basic auth both split `user:password` at the first colon.
        guard !user.contains(":"), !user.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ConfigurationError("--etcd-user '\(user)' cannot hold ':' or control characters")
        }
        guard !password.isEmpty else { throw ConfigurationError("the password of etcd user '\(user)' is empty") }
        self.user = user
        self.password = password
    }

    /// The credentials the options and environment give, or nil without a user or password.
    ///
    /// The password comes only from a file or the environment, never from the command line where `ps` shows it.
    /// The file wins over the environment, as every option does.
    public static func resolve(
        user: String?, passwordFile: String?, environmentPassword: String?
    ) throws(ConfigurationError) -> EtcdCredentials? {
        guard let user else {
            if passwordFile != nil {
                throw ConfigurationError("--etcd-password-file needs --etcd-user (or ETCD_USERNAME)")
            }
            if environmentPassword != nil {
                throw ConfigurationError("ETCD_PASSWORD is set but no etcd user is; give --etcd-user or ETCD_USERNAME")
            }
            return nil
        }
        if let passwordFile {
            let bytes = try ClientTLS.contents(of: passwordFile, option: "--etcd-password-file")
            // Files written by `echo` or an editor end with a newline that is not part of the password.
            var password = String(decoding: bytes, as: UTF8.self)
            if password.hasSuffix("\n") || password.hasSuffix("\r\n") { password.removeLast() }
            guard !password.isEmpty else { throw ConfigurationError("--etcd-password-file '\(passwordFile)' is empty") }
            return try EtcdCredentials(user: user, password: password)
        }
        guard let environmentPassword else {
            throw ConfigurationError(
                "--etcd-user '\(user)' needs a password: set ETCD_PASSWORD or give --etcd-password-file")
        }
        return try EtcdCredentials(user: user, password: environmentPassword)
    }

    /// The `Authorization` header of etcd's v2 API, which takes HTTP basic auth.
    var basicAuthorization: String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    public var description: String { "etcd user '\(user)'" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["user": user, "password": "<redacted>"]) }
}
