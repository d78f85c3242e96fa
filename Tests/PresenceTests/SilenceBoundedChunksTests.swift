import NIOCore
import Synchronization
import Testing

@testable import Presence

/// A streamed body read in a child task: every chunk handed over in order, a silent peer turned into an error
/// that stops the read, and a slow consumer not mistaken for a silent peer.
@Suite("Reading a stream whose peer may fall silent", .timeLimit(.minutes(1)))
struct SilenceBoundedChunksTests {
    /// A body the test feeds by hand, and whether its reader stopped reading it (it was cancelled or dropped).
    struct Body: Sendable {
        final class Flag: Sendable {
            let value = Mutex(false)
        }
        let stream: AsyncStream<ByteBuffer>
        let input: AsyncStream<ByteBuffer>.Continuation
        private let stopped = Flag()

        init() {
            (stream, input) = AsyncStream<ByteBuffer>.makeStream()
            input.onTermination = { [stopped] _ in stopped.value.withLock { $0 = true } }
        }

        var readerStopped: Bool { stopped.value.withLock { $0 } }
    }

    /// Runs the reader of `body` while `consume` reads its chunks, and returns what `consume` returned once the
    /// reader has stopped too.
    func read<T: Sendable>(
        _ body: some AsyncSequence<ByteBuffer, some Error> & Sendable, silentAfter bound: Duration,
        clock: TestClock = TestClock(), _ consume: (SilenceBoundedChunks) async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (chunks, reader) = SilenceBoundedChunks.make(reading: body, silentAfter: { bound }, clock: clock)
            group.addTask { await reader.run() }
            return try await consume(chunks)
        }
    }

    func strings(_ chunks: SilenceBoundedChunks) async throws -> [String] {
        var seen: [String] = []
        for try await chunk in chunks { seen.append(String(buffer: chunk)) }
        return seen
    }

    @Test func everyChunkArrivesInOrderAndTheSequenceEnds() async throws {
        let body = Body()
        for text in ["a", "b", "c"] { body.input.yield(ByteBuffer(string: text)) }
        body.input.finish()
        #expect(try await read(body.stream, silentAfter: .seconds(60), strings) == ["a", "b", "c"])
    }

    @Test func aSilentPeerEndsTheStreamWithAnErrorAndTheReadIsStopped() async throws {
        let body = Body()
        body.input.yield(ByteBuffer(string: "first"))
        let clock = TestClock()
        let (firstSeen, sawFirst) = AsyncStream<Void>.makeStream()
        var seen: [String] = []
        await #expect(throws: StreamSilence.self) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Once the first chunk is handed over, the peer stays silent while the clock moves on by the
                // bound each time the reader's watch waits.
                group.addTask {
                    for await _ in firstSeen { break }
                    for await _ in clock.sleeps { clock.advance(by: .milliseconds(200)) }
                }
                defer { group.cancelAll() }
                try await read(body.stream, silentAfter: .milliseconds(200), clock: clock) { chunks in
                    for try await chunk in chunks {
                        seen.append(String(buffer: chunk))
                        sawFirst.yield()
                    }
                }
            }
        }
        #expect(seen == ["first"], "what came before the silence is handed over")
        #expect(body.readerStopped, "the body's read was cancelled, so its connection would be closed")
    }

    @Test func aSlowConsumerIsNoSilentPeer() async throws {
        let body = Body()
        for text in ["a", "b"] { body.input.yield(ByteBuffer(string: text)) }
        body.input.finish()
        let clock = TestClock()
        let seen = try await read(body.stream, silentAfter: .seconds(1), clock: clock) { chunks in
            var seen: [String] = []
            for try await chunk in chunks {
                seen.append(String(buffer: chunk))
                // Three times the bound on each chunk, and the watch looks at it (it waits again, after the
                // clock moved): only time spent waiting on the peer counts.
                clock.advance(by: .seconds(3))
                for await deadline in clock.sleeps where deadline > clock.now { break }
            }
            return seen
        }
        #expect(seen == ["a", "b"])
    }

    @Test func theBodysFailureReachesTheConsumer() async throws {
        struct Refused: Error {}
        let (stream, input) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        input.yield(ByteBuffer(string: "a"))
        input.finish(throwing: Refused())
        await #expect(throws: Refused.self) {
            _ = try await read(stream, silentAfter: .seconds(60), strings)
        }
    }

    @Test func aConsumerThatLeavesStopsTheReader() async throws {
        let body = Body()
        body.input.yield(ByteBuffer(string: "a"))
        // The body never ends and nothing is cancelled: only the consumer's leaving can end the reader, which
        // the group waits for. Were the reader left running, the suite's time limit would fail the test.
        let readerReturned = Body.Flag()
        let first = try await withThrowingTaskGroup(of: Void.self) { group in
            let (chunks, reader) = SilenceBoundedChunks.make(reading: body.stream, silentAfter: { .seconds(60) })
            group.addTask {
                await reader.run()
                readerReturned.value.withLock { $0 = true }
            }
            var iterator = chunks.makeAsyncIterator()
            return try await iterator.next().map { String(buffer: $0) }
        }
        #expect(first == "a")
        #expect(readerReturned.value.withLock { $0 })
    }
}
