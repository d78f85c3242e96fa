import Synchronization

/// When Docker and etcd last answered and last failed, and whether the agent has completed a pass over both:
/// what `/readyz` reports.
///
/// The agent is ready once a resync or keep-alive pass has gone through, and for as long as neither Docker nor
/// etcd has been failing for longer than the TTL: past that, keys may have expired, or outlived their container.
/// A server that has not been asked since it last answered is not held against the agent (etcd is only asked
/// when there is something to write or keep alive).
public final class Readiness: Sendable {
    /// The servers the agent depends on.
    public enum Dependency: String, Sendable, CaseIterable {
        case docker = "Docker"
        case etcd
    }

    /// What `/readyz` answers.
    public enum Status: Sendable, Equatable {
        case ready
        /// Not ready, with a reason that says which server and since when.
        case notReady(String)
    }

    private struct Contact {
        var lastAnswer: ContinuousClock.Instant?
        var lastFailure: (at: ContinuousClock.Instant, message: String)?
    }

    private struct State {
        var contacts: [Dependency: Contact] = [:]
        var passes = 0
    }

    private let started: ContinuousClock.Instant
    private let state = Mutex(State())

    public init(startedAt started: ContinuousClock.Instant = .now) {
        self.started = started
    }

    /// Records a successful answer of `dependency`.
    public func answered(_ dependency: Dependency, at instant: ContinuousClock.Instant = .now) {
        state.withLock { $0.contacts[dependency, default: Contact()].lastAnswer = instant }
    }

    /// Records a failed request to `dependency`, with the error an operator should read.
    public func failed(_ dependency: Dependency, _ message: String, at instant: ContinuousClock.Instant = .now) {
        state.withLock { $0.contacts[dependency, default: Contact()].lastFailure = (instant, message) }
    }

    /// Records that a resync or keep-alive pass went through.
    public func synced() {
        state.withLock { $0.passes += 1 }
    }

    /// How many resync or keep-alive passes have gone through since the start.
    public var passes: Int { state.withLock { $0.passes } }

    /// Whether the agent is ready at `now`, given the TTL of its keys.
    public func status(now: ContinuousClock.Instant = .now, ttl: Duration) -> Status {
        state.withLock { state in
            for dependency in Dependency.allCases {
                let contact = state.contacts[dependency] ?? Contact()
                guard let failure = contact.lastFailure else { continue }
                guard let answer = contact.lastAnswer else {
                    return .notReady(
                        "\(dependency.rawValue) has not answered since the agent started \(Self.seconds(now - started))"
                            + " s ago (last error: \(failure.message))")
                }
                if failure.at > answer && now - answer > ttl {
                    return .notReady(
                        "\(dependency.rawValue) has not answered for \(Self.seconds(now - answer)) s "
                            + "(last error: \(failure.message))")
                }
            }
            guard state.passes > 0 else {
                let waiting = Dependency.allCases.filter { state.contacts[$0]?.lastAnswer == nil }
                return .notReady(
                    "not yet synced"
                        + (waiting.isEmpty
                            ? "" : " (waiting for \(waiting.map(\.rawValue).joined(separator: " and ")) to answer)"))
            }
            return .ready
        }
    }

    private static func seconds(_ duration: Duration) -> Int { Int(duration.components.seconds) }
}
