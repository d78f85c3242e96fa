/// The watch may have missed changes (a message was dropped, or the stream fell silent): read again, so that no
/// stale row stays on screen.
struct WatchMissedChanges: Error, CustomStringConvertible {
    var description: String
}
