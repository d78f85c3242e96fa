import NIOCore

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
