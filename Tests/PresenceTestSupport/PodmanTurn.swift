import Synchronization

/// One rootful Podman at a time in the test process.
///
/// Two rootful Podman services with their own storage still share the host's netavark: the `podman0` bridge,
/// the `NETAVARK_*` firewall chains and their rules. netavark's lock lives in each service's own network
/// directory, so nothing orders two of them: both create the same chain at once and one fails ("iptables: Chain
/// already exists"), or one tears the bridge down as its last container goes while the other's still run.
/// ``PodmanService`` takes the turn before it starts and gives it back when it stops.
final class PodmanTurn: Sendable {
    static let shared = PodmanTurn()

    private struct State {
        var taken = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Returns once no other service holds the turn; the first to wait is the first served.
    func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.taken {
                    state.waiting.append(continuation)
                    return false
                }
                state.taken = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Hands the turn to the next waiter, or frees it. Synchronous, for ``PodmanService/stop()`` in a `defer`.
    func give() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.taken = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
