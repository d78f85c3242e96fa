import AsyncHTTPClient
import NIOCore

@testable import Presence

/// Docker's event stream as a test writes it: each request the watcher makes is reported on `events`, and the
/// test sends the stream's bytes, or closes it, by hand.
actor FakeEventSource: DockerEventSource {
    enum Event: Equatable, Sendable {
        case opened(since: String?)
        case askedForNow
        case forgotVersion
    }

    /// Every request, as it is made.
    nonisolated let events: AsyncStream<Event>
    private let report: AsyncStream<Event>.Continuation
    private var body: AsyncStream<ByteBuffer>.Continuation?
    /// What `resumeTokenForNow` answers: Docker's clock, a second back.
    private let now: String?

    init(now: String? = "1700000100") {
        self.now = now
        (events, report) = AsyncStream.makeStream()
    }

    func events(since: String?, silenceBound: Duration) async throws -> DockerEventStream {
        let (bytes, body) = AsyncStream<ByteBuffer>.makeStream()
        self.body = body
        report.yield(.opened(since: since))
        return DockerEventStream(body: .stream(bytes))
    }

    func resumeTokenForNow() async throws -> String? {
        report.yield(.askedForNow)
        return now
    }

    func forgetVersion() async {
        report.yield(.forgotVersion)
    }

    /// Sends `text` on the open stream, as one chunk.
    func send(_ text: String) {
        body?.yield(ByteBuffer(string: text))
    }

    /// Ends the open stream, as dockerd does when it stops.
    func close() {
        body?.finish()
    }
}
