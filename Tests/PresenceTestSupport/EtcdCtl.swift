import Foundation

/// A test etcd driven through the real `etcdctl` (v3 API), with the server's CA and client certificate, and as
/// `root` once authentication is on: independent of the agent's own etcd code.
public struct EtcdCtl: Sendable {
    public let server: EtcdServer
    /// `user:password` for `--user`, once authentication is enabled.
    public var root: String?

    public init(_ server: EtcdServer) {
        self.server = server
    }

    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        var flags = ["etcdctl", "--endpoints", server.endpoint, "--dial-timeout", "5s"]
        if let tls = server.tls {
            flags += ["--cacert", tls.certificates.caCertificate]
            // The test reads what the agent wrote, even from the etcd whose certificate it must refuse.
            if tls.server.certificate == tls.certificates.expiredServer.certificate {
                flags += ["--insecure-skip-tls-verify"]
            }
            if tls.clientCertificateAuth {
                flags += ["--cert", tls.certificates.client.certificate, "--key", tls.certificates.client.key]
            }
        }
        if let root { flags += ["--user", root] }
        return try shell(flags + arguments, environment: ["ETCDCTL_API": "3"])
    }

    /// Every key under `prefix` with its value.
    public func keys(under prefix: String) throws -> [String: String] {
        let json = try run(["get", "--prefix", prefix, "-w", "json"])
        let result = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        var keys: [String: String] = [:]
        for kv in result["kvs"] as? [[String: Any]] ?? [] {
            keys[Self.decode(kv["key"])] = Self.decode(kv["value"])
        }
        return keys
    }

    public func put(_ key: String, _ value: String) throws {
        try run(["put", key, value])
    }

    /// Turns authentication on with a `root` user, and uses it from then on.
    public mutating func enableAuthentication(rootPassword: String) throws {
        try run(["user", "add", "root", "--new-user-password", rootPassword])
        try run(["role", "add", "root"])
        try run(["user", "grant-role", "root", "root"])
        try run(["auth", "enable"])
        root = "root:\(rootPassword)"
    }

    /// Adds `user` with a role of its own that may read and write under `prefix` and nowhere else.
    public func addUser(_ user: String, password: String, readWriteUnder prefix: String) throws {
        try run(["role", "add", user])
        try run(["role", "grant-permission", "--prefix=true", user, "readwrite", prefix])
        try run(["user", "add", user, "--new-user-password", password])
        try run(["user", "grant-role", user, user])
    }

    private static func decode(_ value: Any?) -> String {
        (value as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
