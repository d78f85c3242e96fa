import Foundation
import PresenceTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An agent under test: the real executable, with the moment it was started and the moment it exited on this
/// machine's clock.
final class MeasuredAgent: Sendable {
    let process: AgentProcess
    /// The agent's `--interval`, in seconds: its keep-alive ticks fall near `startTime` + k intervals.
    let interval: Int
    /// Just before the exec.
    let startTime: Int
    private let terminating = Atomic(false)

    init(arguments: [String], interval: Int) throws {
        self.interval = interval
        startTime = WallClock.now
        process = try AgentProcess(arguments)
    }

    var pid: Int32 { process.process.processIdentifier }
    var meter: ProcessMeter { ProcessMeter(pid: pid) }
    var isRunning: Bool { process.isRunning }
    var exitCode: Int32? { process.isRunning ? nil : process.process.terminationStatus }

    /// Whether it exited without being asked to.
    var exitedUnprompted: Bool { !terminating.load(ordering: .relaxed) && !process.isRunning }

    /// Sends SIGTERM and returns when it was sent.
    func sendTerminate() -> Int {
        terminating.store(true, ordering: .relaxed)
        let sent = WallClock.now
        process.signal(SIGTERM)
        return sent
    }

    /// The moment the process exited, polled from /proc each half millisecond, and its exit status; nil if it
    /// still runs after `timeout`.
    func waitForExit(timeout: Duration) async throws -> (time: Int, status: Int32)? {
        let deadline = ContinuousClock.now + timeout
        while !meter.hasExited {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .microseconds(500))
        }
        let time = WallClock.now
        guard let status = try await process.waitForExit(timeout: .seconds(10)) else { return nil }
        return (time, status)
    }

    /// SIGTERM, then SIGKILL after `timeout`; returns the exit status.
    @discardableResult
    func stop(timeout: Duration = .seconds(15)) async throws -> Int32? {
        guard process.isRunning else { return exitCode }
        _ = sendTerminate()
        if let exit = try await waitForExit(timeout: timeout) { return exit.status }
        Log.line("agent pid \(pid) ignored SIGTERM for \(timeout); killing it")
        process.signal(SIGKILL)
        return try await process.waitForExit(timeout: .seconds(5))
    }

    /// The last lines of its log, for an error message.
    func logTail(lines: Int = 20) -> String {
        process.log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
