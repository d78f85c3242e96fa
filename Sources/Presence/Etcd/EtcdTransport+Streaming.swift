import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

extension EtcdTransport {
    /// Opens a request whose answer is read as it arrives (a watch) and returns once its head is in, which must
    /// come within the transport's timeout. The body has no deadline, since a watch lasts until etcd goes away:
    /// its reader bounds silence instead. Endpoints are tried in turn as `send` does.
    func open(
        _ method: HTTPMethod, _ path: String, query: String = "", body: ByteBuffer? = nil,
        authorization: String? = nil
    ) async throws -> HTTPClientResponse {
        let httpClient = self.httpClient
        let timeout = TimeAmount(self.timeout)
        return try await onFirstAnswering(
            request(
                method, path, query: query, body: body, contentType: "application/json", authorization: authorization),
            // AsyncHTTPClient's deadline ends when the head arrives.
            perform: { try await httpClient.execute($0, timeout: timeout) },
            status: \.status, detail: { _ in "" })
    }
}
