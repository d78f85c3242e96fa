import AsyncHTTPClient
import NIOCore

/// What the event stream yields: an event, or a note that something unreadable was skipped.
public enum DockerEventMessage: Sendable, Equatable {
    case event(DockerEvent)
    case malformed(String)
}

/// Docker's event stream once its head has arrived.
public struct DockerEventStream: Sendable {
    let body: HTTPClientResponse.Body

    /// The events, and the reader that feeds them: run the reader in a task of the caller's task group while
    /// the events are read. The events throw `StreamSilence` when Docker sends nothing for `bound`.
    func messages(
        silentAfter bound: Duration
    ) -> (DockerEventSequence, SilenceBoundedChunks.Reader<HTTPClientResponse.Body>) {
        let (chunks, reader) = SilenceBoundedChunks.make(reading: body, silentAfter: { bound })
        return (DockerEventSequence(chunks: chunks), reader)
    }
}

/// Docker's event stream as an `AsyncSequence`: the response body split into JSON objects and decoded.
public struct DockerEventSequence: AsyncSequence, Sendable {
    public typealias Element = DockerEventMessage

    let chunks: SilenceBoundedChunks

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: chunks.makeAsyncIterator())
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: SilenceBoundedChunks.AsyncIterator
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
