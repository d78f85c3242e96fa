import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

extension EtcdTransport {
    /// Opens a request whose answer is read as it arrives (a watch) and returns once its head is in: no deadline,
    /// since a watch lasts until etcd goes away. Endpoints are tried in turn as `send` does.
    func open(
        _ method: HTTPMethod, _ path: String, query: String = "", body: ByteBuffer? = nil,
        authorization: String? = nil
    ) async throws -> HTTPClientResponse {
        let httpClient = self.httpClient
        return try await onFirstAnswering(
            request(
                method, path, query: query, body: body, contentType: "application/json", authorization: authorization),
            perform: { try await httpClient.execute($0, deadline: .distantFuture) },
            status: \.status, detail: { _ in "" })
    }
}
