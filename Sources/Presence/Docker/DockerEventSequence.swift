import AsyncHTTPClient
import NIOCore

/// What the event stream yields: an event, or a note that something unreadable was skipped.
public enum DockerEventMessage: Sendable, Equatable {
    case event(DockerEvent)
    case malformed(String)
}

/// Docker's event stream as an `AsyncSequence`: the response body split into JSON objects and decoded.
public struct DockerEventSequence: AsyncSequence, Sendable {
    public typealias Element = DockerEventMessage

    let body: HTTPClientResponse.Body

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPClientResponse.Body.AsyncIterator
        var splitter = JSONObjectSplitter()
        var ready: [DockerEventMessage] = []
        /// One decoder for the whole stream: making one per event costs more than decoding the event.
        let decoder = JSONDecoder()

        public mutating func next() async throws -> DockerEventMessage? {
            while ready.isEmpty {
                guard let chunk = try await chunks.next() else { return nil }
                ready = DockerEventDecoding.messages(from: splitter.feed(chunk.readableBytesView), decoder: decoder)
            }
            return ready.removeFirst()
        }
    }
}

/// Turns split JSON objects into event messages.
public enum DockerEventDecoding {
    public static func messages(
        from outputs: [JSONObjectSplitter.Output], decoder: JSONDecoder = JSONDecoder()
    ) -> [DockerEventMessage] {
        outputs.map { output in
            switch output {
            case .malformed(let reason):
                return .malformed(reason)
            case .object(let bytes):
                do {
                    return .event(try decoder.decode(DockerEvent.self, from: Data(bytes)))
                } catch {
                    return .malformed(
                        "an event could not be read: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
                }
            }
        }
    }
}
