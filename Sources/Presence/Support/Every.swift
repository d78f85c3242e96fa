/// Calls `action` every `period`, as `clock` tells time, until the task is cancelled; the first time after
/// `firstAfter` (by default one period).
func every(
    _ period: Duration, on clock: any Clock<Duration> = ContinuousClock(), firstAfter: Duration? = nil,
    _ action: () -> Void
) async {
    var wait = firstAfter ?? period
    while !Task.isCancelled {
        do { try await clock.sleep(for: wait) } catch { return }
        action()
        wait = period
    }
}
