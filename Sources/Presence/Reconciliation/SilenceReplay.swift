/// What the events Docker replays after a silent stream was reopened tell.
///
/// Docker keeps only its last 256 events, and replays those from the resume point on: when the first event
/// replayed is the one the agent resumed from, or older than the stream's first opening, the replay reaches
/// back to where the agent stood and brings whatever the silent stream missed; otherwise its head may be
/// lost, and a resync covers it. A replay from the stream's first opening (no event had come yet) goes back a
/// second before it: what it brings from before the opening, the start's resync has already seen.
struct SilenceReplay: Sendable {
    enum Verdict: Equatable, Sendable {
        /// Newer than the reopening: the replay is over.
        case live
        /// From before the stream first opened: the start's resync saw its effect, and it may be stale since
        /// (a pause undone).
        case seen
        /// Replayed: it may be stale by now, so its container is inspected. `resync` for the first event
        /// replayed when the replay may have lost what came before it.
        case replayed(resync: Bool)
    }

    /// The resume token the stream was reopened from: its event (if any) was delivered before.
    let resumedFrom: String
    /// Docker's time, in nanoseconds, before which an event came before the stream first opened: a token of
    /// whole seconds is the opening's, a second before Docker's clock then; a replay from an event's token
    /// (seconds.nanoseconds) brings none that old.
    let covered: Int64
    /// Docker's time, in nanoseconds, surely after the reopening.
    let before: Int64
    private var isFirst = true

    init(resumedFrom: String, before: Int64) {
        self.resumedFrom = resumedFrom
        covered = Int64(resumedFrom).map { ($0 + 1) * 1_000_000_000 } ?? 0
        self.before = before
    }

    mutating func judge(_ event: DockerEvent) -> Verdict {
        guard event.timeNano < before else { return .live }
        defer { isFirst = false }
        if event.timeNano < covered { return .seen }
        return .replayed(resync: isFirst && event.resumeToken != resumedFrom)
    }
}
