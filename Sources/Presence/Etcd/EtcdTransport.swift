import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Sends requests to etcd, moving to the next endpoint when one cannot be reached.
///
/// The endpoint that last answered is kept, so a healthy cluster costs one connection, and a request only
/// fails once every endpoint has been tried.
actor EtcdTransport {
    // Not private: the streaming requests (EtcdTransport+Streaming.swift) fail over the same way.
    let endpoints: [EtcdEndpoint]
    let httpClient: HTTPClient
    /// How long a request, or a stream's head, may take.
    let timeout: Duration
    let tls: ClientTLS?
    let logger: Logger
    private let metrics: PresenceMetrics
    private let readiness: Readiness?
    var current = 0

    init(
        endpoints: [EtcdEndpoint], httpClient: HTTPClient, timeout: Duration, tls: ClientTLS? = nil, logger: Logger,
        metrics: PresenceMetrics = .disabled, readiness: Readiness? = nil
    ) {
        precondition(!endpoints.isEmpty, "validated by AgentConfiguration")
        self.endpoints = endpoints
        self.httpClient = httpClient
        self.timeout = timeout
        self.tls = tls
        self.logger = logger
        self.metrics = metrics
        self.readiness = readiness
    }

    /// Sends `body` to `path` (with `query`, already encoded) on the first endpoint that answers, with
    /// `authorization` as the `Authorization` header; counts and times it, and records whether etcd answered.
    func send(
        _ method: HTTPMethod,
        _ path: String,
        query: String = "",
        body: ByteBuffer? = nil,
        contentType: String = "application/json",
        authorization: String? = nil,
        timeout requestTimeout: Duration? = nil
    ) async throws -> HTTPExchange {
        let kind = EtcdRequestKind(method: method, path: path)
        let start = ContinuousClock.now
        do {
            let timeout = requestTimeout ?? self.timeout
            let httpClient = self.httpClient
            let response = try await onFirstAnswering(
                request(method, path, query: query, body: body, contentType: contentType, authorization: authorization),
                perform: { try await httpClient.exchange($0, timeout: timeout) },
                status: \.status, detail: { String($0.bodyText.prefix(120)) })
            let outcome = EtcdRequestOutcome(status: response.status)
            metrics.etcdRequest(kind, outcome, duration: .now - start)
            if outcome == .ok {
                readiness?.answered(.etcd)
            } else {
                readiness?.failed(.etcd, "etcd answered \(response.status.code) to a \(kind.rawValue) request")
            }
            return response
        } catch let error as PresenceError where error.code == .etcdUnreachable {
            metrics.etcdRequest(kind, .unreachable, duration: .now - start)
            readiness?.failed(.etcd, error.message)
            throw error
        }
    }

    /// The endpoint that answered last, or is tried first: for messages.
    var currentEndpoint: EtcdEndpoint { endpoints[current] }

    /// A request for `path` on `endpoint`.
    func request(
        _ method: HTTPMethod, _ path: String, query: String, body: ByteBuffer?, contentType: String,
        authorization: String?
    ) -> @Sendable (EtcdEndpoint) -> HTTPClientRequest {
        { endpoint in
            var request = HTTPClientRequest(url: endpoint.baseURL + path + (query.isEmpty ? "" : "?" + query))
            request.method = method
            if let body {
                request.body = .bytes(body)
                request.headers.add(name: "Content-Type", value: contentType)
            }
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            return request
        }
    }

    /// Performs the request on each endpoint in turn, from the one that answered last, and returns the first
    /// answer; the endpoint that gave it is kept for the next request.
    func onFirstAnswering<Response>(
        _ request: (EtcdEndpoint) -> HTTPClientRequest,
        perform: (HTTPClientRequest) async throws -> Response,
        status: (Response) -> HTTPResponseStatus,
        detail: (Response) -> String
    ) async throws -> Response {
        var failures: [String] = []
        var allHaveAdvice = true
        for attempt in 0..<endpoints.count {
            let index = (current + attempt) % endpoints.count
            let endpoint = endpoints[index]
            do {
                let response = try await perform(request(endpoint))
                // A member without a leader answers 503: another member may have one.
                if status(response) == .serviceUnavailable && attempt + 1 < endpoints.count {
                    failures.append("\(endpoint): 503 \(detail(response))")
                    continue
                }
                if index != current {
                    logger.warning("etcd endpoint changed", metadata: ["endpoint": "\(endpoint)"])
                    current = index
                }
                return response
            } catch {
                try Task.checkCancellation()
                let failure = ConnectionFailure.explain(
                    error, server: .etcd, usesTLS: endpoint.scheme == .https, tls: tls)
                failures.append("\(endpoint): \(failure.text)")
                allHaveAdvice = allHaveAdvice && failure.hasAdvice
            }
        }
        throw PresenceError(
            .etcdUnreachable,
            "cannot reach etcd at \(endpoints.map(\.description).joined(separator: ", ")) "
                + "(\(failures.joined(separator: "; ")))"
                + (allHaveAdvice ? "" : "; is etcd running and --etcd-endpoints right?"))
    }
}
