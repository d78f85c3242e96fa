import AsyncHTTPClient

extension HTTPClientRequest {
    /// The request as an operator would write it, for messages: `GET /v1.47/containers/json on
    /// unix:///var/run/docker.sock` rather than the percent-encoded `http+unix://` URL, or `POST
    /// http://127.0.0.1:2379/v3/kv/range`.
    var summary: String {
        let unixScheme = "http+unix://"
        guard url.hasPrefix(unixScheme) else { return "\(method) \(url)" }
        let rest = url.dropFirst(unixScheme.count)
        let socket = rest.prefix { $0 != "/" }
        return "\(method) \(rest.dropFirst(socket.count)) on unix://\(percentDecoded(String(socket)))"
    }
}
