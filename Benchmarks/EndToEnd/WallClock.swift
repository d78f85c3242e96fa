#if canImport(Glibc)
    import Glibc
#endif

/// This machine's real-time clock in nanoseconds, the clock of Docker's `timeNano`: a latency is the difference
/// between Docker's stamp on an event and the arrival of etcd's answer, both read here.
enum WallClock {
    static var now: Int {
        // `timespec` is declared by more than one system module (Glibc, Dispatch's C part), which leaves its
        // members ambiguous under MemberImportVisibility; its layout, two machine words, is read instead.
        withUnsafeTemporaryAllocation(byteCount: 2 * MemoryLayout<Int>.size, alignment: MemoryLayout<Int>.alignment) {
            let raw = $0.baseAddress!
            clock_gettime(CLOCK_REALTIME, raw.bindMemory(to: timespec.self, capacity: 1))
            let seconds = raw.load(as: Int.self)
            let nanoseconds = raw.load(fromByteOffset: MemoryLayout<Int>.size, as: Int.self)
            return seconds * 1_000_000_000 + nanoseconds
        }
    }

    /// Milliseconds between two readings.
    static func milliseconds(from start: Int, to end: Int) -> Double {
        Double(end - start) / 1e6
    }

    /// Sleeps until the clock reads `time`.
    static func sleep(until time: Int) async throws {
        while case let remaining = time - now, remaining > 0 {
            try await Task.sleep(for: .nanoseconds(min(remaining, 500_000_000)))
        }
    }
}
