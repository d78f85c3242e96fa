import Foundation

extension EtcdCtl {
    /// Turns on the v2 API's own authentication (separate from v3's) with a `root` user, takes every right from
    /// unauthenticated clients (v2's `guest` role may do anything by default), and adds `user` with a role that
    /// may read and write `directory` and below, and nothing else.
    ///
    /// Through the v2 auth API with curl: etcdctl 3.4's v2 commands ask for passwords on a terminal.
    public func enableV2Authentication(rootPassword: String, user: String, password: String, directory: String) throws {
        let base = server.endpoint + "/v2/auth"
        func put(_ path: String, _ json: String, asRoot: Bool = true) throws {
            let output = try shell(
                ["curl", "-sS", "-X", "PUT", "-H", "Content-Type: application/json", "-d", json]
                    + (asRoot ? ["-u", "root:\(rootPassword)"] : []) + ["-w", "\n%{http_code}", base + path])
            guard let status = output.split(separator: "\n").last, status.hasPrefix("2") else {
                throw ShellError(command: "PUT \(path)", status: -1, output: output)
            }
        }
        try put("/users/root", #"{"user":"root","password":"\#(rootPassword)"}"#, asRoot: false)
        try put("/enable", "")
        try put("/roles/guest", #"{"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}}"#)
        let paths = #"["\#(directory)","\#(directory)/*"]"#
        try put("/roles/\(user)", #"{"role":"\#(user)","permissions":{"kv":{"read":\#(paths),"write":\#(paths)}}}"#)
        try put("/users/\(user)", #"{"user":"\#(user)","password":"\#(password)","roles":["\#(user)"]}"#)
    }

    /// Every v2 key under `directory` with its value, read as `root`; empty if the directory does not exist.
    public func v2Keys(under directory: String, rootPassword: String) throws -> [String: String] {
        let json = try shell(
            ["curl", "-sS", "-u", "root:\(rootPassword)", server.endpoint + "/v2/keys" + directory + "?recursive=true"])
        let body = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        func flatten(_ node: [String: Any]) -> [String: String] {
            var keys: [String: String] = [:]
            if let key = node["key"] as? String, let value = node["value"] as? String { keys[key] = value }
            for child in node["nodes"] as? [[String: Any]] ?? [] { keys.merge(flatten(child)) { $1 } }
            return keys
        }
        return (body?["node"] as? [String: Any]).map(flatten) ?? [:]
    }
}
