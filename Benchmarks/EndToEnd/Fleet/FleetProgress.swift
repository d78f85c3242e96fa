import Synchronization

/// The results as far as the run got: the driver fills them in while a signal or the budget may end it, and the
/// report is written from whatever they hold then.
final class FleetProgress: Sendable {
    private let results: Mutex<FleetResults>

    init(_ results: FleetResults) {
        self.results = Mutex(results)
    }

    func update(_ body: (inout FleetResults) -> Void) {
        results.withLock { body(&$0) }
    }

    var current: FleetResults { results.withLock { $0 } }
}
