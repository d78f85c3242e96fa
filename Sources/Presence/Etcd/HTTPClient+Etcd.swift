import AsyncHTTPClient
import NIOCore
import NIOSSL

extension HTTPClient {
    /// A client for etcd alone, so Docker's client never carries etcd's certificates.
    ///
    /// A connection that cannot be made (refused, or a TLS handshake that fails) fails the request at once rather
    /// than being retried until the request's deadline: the transport then tries the next endpoint, and the
    /// operator reads why within one request instead of after a timeout.
    public static func makeEtcdClient(tls: ClientTLS?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls?.configuration, timeout: .init(connect: .seconds(2)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
