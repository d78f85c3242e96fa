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

    /// Sends `request` and reads the whole response within `timeout`.
    func exchange(_ request: HTTPClientRequest, timeout: Duration) async throws -> HTTPExchange {
        let response = try await execute(request, timeout: TimeAmount(timeout))
        do {
            let body = try await response.body.collect(upTo: HTTPClient.responseLimit)
            return HTTPExchange(status: response.status, headers: response.headers, body: body)
        } catch is NIOTooManyBytesError {
            throw PresenceError(
                .responseTooLarge,
                "the answer to \(request.method) \(request.url) was larger than \(HTTPClient.responseLimit >> 20) MiB; "
                    + "refused rather than buffered")
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
