/// The result of `operation`, or nil if `deadline` comes first on `clock`, in which case `operation` is cancelled
/// and awaited: a read of a response body cancelled so makes AsyncHTTPClient close its connection.
func result<T: Sendable, C: Clock>(
    of operation: @escaping @Sendable () async throws -> T, before deadline: C.Instant, on clock: C
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await clock.sleep(until: deadline, tolerance: nil)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// The result of `operation`, or nil if `deadline` comes first on the continuous clock.
func result<T: Sendable>(
    of operation: @escaping @Sendable () async throws -> T, before deadline: ContinuousClock.Instant
) async throws -> T? {
    try await result(of: operation, before: deadline, on: ContinuousClock())
}
