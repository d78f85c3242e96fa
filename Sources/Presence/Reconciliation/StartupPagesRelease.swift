import ServiceLifecycle

/// Unmaps the pages of the executable only the start used (`StartupPages`), once the start is over: a little
/// after the first pass over Docker and etcd went through, or at `latest` if it has not (Docker or etcd down,
/// say: their retries need no more of the start's code); this first release also drops them from the page
/// cache. Then once more after the next pass, the first keep-alive: what runs only once (the first lease
/// renewal's type metadata and conformance lookups) comes after the first release and would otherwise stay
/// resident; on the machine of docs/BENCHMARKS.md that is about 0.4 MB.
///
/// Then, once an interval, gives the heap freed since back to the kernel (`GlibcMalloc.returnFreedPages`): a
/// burst of events (hundreds of containers started at once) leaves as much behind in malloc's arenas as a start
/// does, and nothing else would return it.
struct StartupPagesRelease: Service {
    let readiness: Readiness
    /// The keep-alive interval: the first keep-alive comes within one of the start.
    let interval: Duration
    /// After the first pass: the metrics endpoint's start and the first events of a busy host.
    var settle: Duration = .seconds(2)
    var latest: Duration = .seconds(10)
    /// After the pass that follows the first release: its answer decoded and its log line written.
    var afterKeepAlive: Duration = .milliseconds(500)
    var clock: any Clock<Duration> = ContinuousClock()
    /// What a release does, and whether it is the first: a test counts them.
    var release: @Sendable (_ first: Bool) -> Void = { StartupPages.release(fromPageCache: $0) }
    /// What a trim of the heap does: a test counts them.
    var trimHeap: @Sendable () -> Void = GlibcMalloc.returnFreedPages

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await releaseTheStartsPages()
            while true {
                try await clock.sleep(for: interval)
                trimHeap()
            }
        }
        try? await gracefulShutdown()
    }

    private func releaseTheStartsPages() async throws {
        let waited = try await waitForPass(after: 0, within: latest, poll: .milliseconds(200))
        try await clock.sleep(for: min(settle, latest - waited))
        release(true)
        let released = readiness.passes
        // A pass under way at the release counts as the next one; the keep-alive follows within an interval.
        _ = try await waitForPass(after: released, within: interval + settle, poll: .seconds(1))
        guard readiness.passes > released else { return }
        try await clock.sleep(for: afterKeepAlive)
        release(false)
    }

    /// Waits, `poll` at a time, until more than `passes` passes have gone through or `limit` has passed;
    /// returns how long it waited.
    private func waitForPass(after passes: Int, within limit: Duration, poll: Duration) async throws -> Duration {
        var waited = Duration.zero
        while readiness.passes <= passes && waited < limit {
            let step = min(poll, limit - waited)
            try await clock.sleep(for: step)
            waited += step
        }
        return waited
    }
}
