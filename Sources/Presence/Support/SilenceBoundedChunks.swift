import NIOCore
import Synchronization

/// The chunks of a streamed response body, read by a `SilenceBoundedChunks.Reader` in a child task and handed
/// over one at a time. When the peer sends nothing for longer than a bound while a chunk is awaited, the sequence
/// throws `StreamSilence` and the reader stops, cancelling the body's read (AsyncHTTPClient then closes the
/// connection).
///
/// Only time spent waiting on the peer counts, not time the consumer spends on a chunk, and one chunk at a time
/// is read, so a slow consumer neither looks like a silent peer nor makes chunks pile up. Iterate it once.
struct SilenceBoundedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let demand: AsyncStream<Void>.Continuation
    private let chunks: AsyncThrowingStream<ByteBuffer, any Error>

    /// The sequence, and the reader that feeds it: run the reader in a task of the caller's task group, and
    /// consume the sequence within that group's lifetime. `clock` is what the silence is measured on.
    static func make<Body: AsyncSequence & Sendable>(
        reading body: Body, silentAfter bound: @escaping @Sendable () -> Duration,
        clock: some Clock<Duration> = ContinuousClock()
    ) -> (SilenceBoundedChunks, Reader<Body>) where Body.Element == ByteBuffer {
        let (demands, demand) = AsyncStream<Void>.makeStream()
        let (chunks, output) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let state = ReaderState()
        let origin = clock.now
        // The consumer went away (its task was cancelled, or it stopped iterating): the reader stops too, at once
        // when it waits for the consumer's next demand.
        output.onTermination = { _ in
            state.withLock { $0.consumerLeft = true }
            demand.finish()
        }
        return (
            SilenceBoundedChunks(demand: demand, chunks: chunks),
            Reader(
                body: body, bound: bound, demands: demands, output: output, state: state,
                elapsed: { origin.duration(to: clock.now) }, sleep: { try await clock.sleep(for: $0) })
        )
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(demand: demand, chunks: chunks.makeAsyncIterator())
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let demand: AsyncStream<Void>.Continuation
        var chunks: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            demand.yield()
            return try await chunks.next()
        }
    }

    /// Reads the body when asked, and watches that the peer answers in time.
    struct Reader<Body: AsyncSequence & Sendable>: Sendable where Body.Element == ByteBuffer {
        let body: Body
        let bound: @Sendable () -> Duration
        let demands: AsyncStream<Void>
        let output: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
        let state: ReaderState
        /// Time since the reader was made, on its clock.
        let elapsed: @Sendable () -> Duration
        let sleep: @Sendable (Duration) async throws -> Void

        /// Returns once the body ended or failed, the peer fell silent, or the consumer left.
        func run() async {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await read() }
                group.addTask { await watch() }
                _ = await group.next()
                group.cancelAll()
            }
            output.finish()
        }

        private func read() async {
            var iterator = body.makeAsyncIterator()
            do {
                for await _ in demands {
                    state.withLock { $0.waitingSince = elapsed() }
                    let chunk = try await iterator.next()
                    state.withLock { $0.waitingSince = nil }
                    guard let chunk else { break }
                    output.yield(chunk)
                }
                output.finish()
            } catch {
                output.finish(throwing: error)
            }
        }

        private func watch() async {
            while !Task.isCancelled {
                let bound = bound()
                let (waitingSince, consumerLeft) = state.withLock { ($0.waitingSince, $0.consumerLeft) }
                if consumerLeft { return }
                if let waitingSince, elapsed() - waitingSince >= bound {
                    output.finish(throwing: StreamSilence(bound: bound))
                    return
                }
                // Until the deadline, but for at most a quarter of the bound and 5 s: the bound may shrink
                // meanwhile (a watch learns how often etcd speaks), and a consumer that leaves while the peer is
                // awaited is noticed at the next look. An idle agent wakes 12 times a minute for this, not 60.
                let untilDeadline = waitingSince.map { bound - (elapsed() - $0) } ?? bound
                try? await sleep(Swift.max(Swift.min(bound / 4, .seconds(5), untilDeadline), .milliseconds(10)))
            }
        }
    }

    final class ReaderState: Sendable {
        struct Values {
            /// When (time since the reader was made) it began waiting on the peer for the chunk it reads now; nil
            /// while not waiting.
            var waitingSince: Duration?
            var consumerLeft = false
        }
        private let values = Mutex(Values())

        func withLock<T: Sendable>(_ body: (inout Values) -> T) -> T { values.withLock { body(&$0) } }
    }
}
