/// Calls `action` every `period`, as `clock` tells time, until the task is cancelled.
func every(_ period: Duration, on clock: any Clock<Duration> = ContinuousClock(), _ action: () -> Void) async {
    while !Task.isCancelled {
        do { try await clock.sleep(for: period) } catch { return }
        action()
    }
}
