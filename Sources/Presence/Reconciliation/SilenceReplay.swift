/// What the events Docker replays after a silent stream was reopened tell.
///
/// Docker replays only its last 256 events, so on a busy engine a long silence may have lost some: a replayed
/// event that the silent stream should have delivered proves something happened meanwhile, and a resync
/// covers what may be lost. A replay from the stream's first opening (no event had come yet) goes back a
/// second before it: what it brings from before the opening, the start's resync has already seen.
struct SilenceReplay: Sendable {
    enum Verdict: Equatable, Sendable {
        /// Newer than the reopening: the replay is over.
        case live
        /// From before the stream first opened: the start's resync saw its effect, and it may be stale since
        /// (a pause undone).
        case seen
        /// Replayed: it may be stale by now, so its container is inspected. `resync` for the first that the
        /// silent stream should have delivered.
        case replayed(resync: Bool)
    }

    /// The resume token the stream was reopened from: its event (if any) was delivered before.
    let resumedFrom: String
    /// Docker's time, in nanoseconds, before which an event came before the stream first opened (0 when not
    /// known): a replay from an event brings none that old.
    let covered: Int64
    /// Docker's time, in nanoseconds, surely after the reopening.
    let before: Int64
    private var resyncAsked = false

    init(resumedFrom: String, covered: Int64, before: Int64) {
        self.resumedFrom = resumedFrom
        self.covered = covered
        self.before = before
    }

    mutating func judge(_ event: DockerEvent) -> Verdict {
        guard event.timeNano < before else { return .live }
        if event.timeNano < covered { return .seen }
        let proves = !resyncAsked && event.resumeToken != resumedFrom
        if proves { resyncAsked = true }
        return .replayed(resync: proves)
    }
}
