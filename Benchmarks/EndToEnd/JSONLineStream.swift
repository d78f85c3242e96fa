import AsyncHTTPClient
import Foundation
import NIOCore
import Presence

/// A streamed response of one JSON value a line, as Docker's events and etcd's watch send them.
enum JSONLineStream {
    /// Decodes each line of `response` as `Message` and hands it to `handle` with the moment its chunk arrived,
    /// until the task is cancelled. An end, an error, or a `handle` that throws before that fails every wait of
    /// `observations`, naming `stream`: nothing more will be seen.
    static func follow<Message: Decodable>(
        _ response: HTTPClientResponse, as: Message.Type, named stream: String, failing observations: Observations,
        _ handle: (Message, Int) throws -> Void
    ) async {
        let decoder = JSONDecoder()
        var splitter = JSONObjectSplitter()
        do {
            for try await chunk in response.body {
                let arrival = WallClock.now
                for output in splitter.feed(chunk.readableBytesView) {
                    switch output {
                    case .object(let bytes): try handle(try decoder.decode(Message.self, from: Data(bytes)), arrival)
                    case .malformed(let reason): throw BenchmarkError("malformed \(stream): \(reason)")
                    }
                }
            }
            if !Task.isCancelled { observations.fail("\(stream) ended unexpectedly") }
        } catch {
            if !Task.isCancelled { observations.fail("\(stream) failed: \(error)") }
        }
    }
}
