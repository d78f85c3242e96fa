/// How long etcd's watch stream may send nothing before the connection is taken for dead.
///
/// A watch that asks for progress notifications hears from etcd at least once per notification interval while
/// nothing changes; after a change etcd skips one, so two messages can be up to about two intervals apart. The
/// interval is the server's own setting (`--experimental-watch-progress-notify-interval`, 10 minutes by default
/// in etcd 3.4 and 3.5), so it is learnt from the stream: the bound is three times the longest wait that a
/// notification ended, and until one has come, three times etcd's default interval.
struct WatchSilenceBound: Sendable, Equatable {
    static let untilLearnt: Duration = .seconds(30 * 60)
    /// A bound no shorter than this, so that a busy machine's pauses are not taken for a dead etcd.
    static let minimum: Duration = .seconds(10)

    private(set) var longestWaitForProgress: Duration?

    var bound: Duration {
        longestWaitForProgress.map { max(Self.minimum, $0 * 3) } ?? Self.untilLearnt
    }

    /// A progress notification came `wait` after the message before it.
    mutating func progress(after wait: Duration) {
        longestWaitForProgress = max(longestWaitForProgress ?? .zero, wait)
    }
}
