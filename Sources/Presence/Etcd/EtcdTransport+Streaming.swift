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
        var failures: [String] = []
        for attempt in 0..<endpoints.count {
            let index = (current + attempt) % endpoints.count
            let endpoint = endpoints[index]
            var request = HTTPClientRequest(url: endpoint.baseURL + path + (query.isEmpty ? "" : "?" + query))
            request.method = method
            if let body {
                request.body = .bytes(body)
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            do {
                let response = try await httpClient.execute(request, deadline: .distantFuture)
                if response.status == .serviceUnavailable && attempt + 1 < endpoints.count {
                    failures.append("\(endpoint): 503")
                    continue
                }
                if index != current {
                    logger.warning("etcd endpoint changed", metadata: ["endpoint": "\(endpoint)"])
                    current = index
                }
                return response
            } catch {
                try Task.checkCancellation()
                failures.append(
                    "\(endpoint): \(EtcdConnectionFailure.explain(error, endpoint: endpoint, tls: tls).text)")
            }
        }
        throw PresenceError(
            .etcdUnreachable,
            "cannot reach etcd at \(endpoints.map(\.description).joined(separator: ", ")) "
                + "(\(failures.joined(separator: "; ")))")
    }
}
