import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// A client for Docker alone, so etcd's client never carries Docker's certificates.
    ///
    /// With TLS, a connection that cannot be made (a handshake that fails) fails the request at once rather than
    /// being retried until the request's deadline, so that the operator reads why instead of a timeout.
    public static func makeDockerClient(tls: ClientTLS?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls?.configuration, timeout: .init(connect: .seconds(2)))
        if tls != nil { configuration.connectionPool.retryConnectionEstablishment = false }
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
