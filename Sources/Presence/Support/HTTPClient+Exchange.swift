import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A whole HTTP response: status, headers and a body read up to a bound.
struct HTTPExchange: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer

    var bodyText: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }
}

extension HTTPClient {
    /// The largest response the agent reads; anything larger is refused rather than buffered.
    static let responseLimit = 8 * 1024 * 1024

    /// Sends `request` and reads the whole response, body included, within `timeout`.
    func exchange(_ request: HTTPClientRequest, timeout: Duration) async throws -> HTTPExchange {
        let sent = ContinuousClock.now
        // AsyncHTTPClient's deadline ends when the response's head arrives; `wholeBody` bounds the rest.
        let response = try await execute(request, timeout: TimeAmount(timeout))
        let body = try await response.wholeBody(
            answering: request.summary, upTo: HTTPClient.responseLimit, sent: sent, timeout: timeout)
        return HTTPExchange(status: response.status, headers: response.headers, body: body)
    }
}

extension HTTPClientResponse {
    /// The body, read by `sent + timeout`. A peer that stops sending mid-body fails the read with `.peerStalled`
    /// rather than holding it forever; a body over `limit` bytes fails it with `.responseTooLarge`. `request`
    /// names the request in those errors (`GET /v1.47/containers/json on unix:///var/run/docker.sock`).
    func wholeBody(
        answering request: String, upTo limit: Int, sent: ContinuousClock.Instant, timeout: Duration
    ) async throws -> ByteBuffer {
        let body = self.body
        let collected = try await result(
            of: {
                do {
                    return try await body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    throw PresenceError(
                        .responseTooLarge,
                        "the answer to \(request) was larger than \(limit >> 20) MiB; refused rather than buffered")
                }
            }, before: sent + timeout)
        guard let collected else {
            throw PresenceError(
                .peerStalled,
                "\(request): the server stopped answering mid-answer (its headers came, the rest did not "
                    + "within \(timeout.seconds) s); is it overloaded, or is a proxy in between holding the "
                    + "connection?")
        }
        return collected
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
