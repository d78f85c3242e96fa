import ServiceLifecycle

/// Follows a registry after its listing was printed, printing one line per registration that appears, moves
/// or goes, until SIGTERM or SIGINT.
///
/// When etcd goes away, no longer has the history the watch needs, or the watch may have missed changes (a
/// message was lost, or the stream fell silent), it reads the registry again with backoff and prints what changed
/// meanwhile, so nothing is missed and no stale row stays on screen.
struct RegistryWatcher: Service {
    let source: any RegistrySource
    let layout: RegistryLayout
    let printer: RegistryPrinter
    let initial: EtcdKeySnapshot

    func run() async throws {
        await cancelWhenGracefulShutdown { await follow() }
    }

    private func follow() async {
        var records = initial.records
        var position: Int64? = initial.position
        var failures = FailureStreak(backoff: Backoff(initial: .milliseconds(500), maximum: .seconds(10)))
        while !Task.isCancelled {
            let delay: Duration
            do {
                if position == nil {
                    let snapshot = try await source.read()
                    if failures.recovered() { printer.note("etcd answers again; following changes") }
                    try report(from: records, to: snapshot.records)
                    records = snapshot.records
                    position = snapshot.position
                }
                try await source.follow(after: position!) { updates in
                    let before = records
                    for update in updates { update.apply(to: &records) }
                    try report(from: before, to: records)
                }
                if Task.isCancelled { return }
                printer.note("etcd closed the watch; reading the registry again")
                delay = failures.failed("etcd closed the watch").delay
            } catch is OutputClosed {
                // Nobody reads the lines any more (`presence list --watch | head`): done.
                return
            } catch is WatchHistoryLost {
                // Not a failure: etcd compacted past the watch's start, so the listing is read afresh at once.
                position = nil
                continue
            } catch let lost as WatchMissedChanges {
                if Task.isCancelled { return }
                printer.note("\(lost); reading the registry again")
                delay = failures.retryDelay()
            } catch {
                if Task.isCancelled { return }
                let message = String(describing: error)
                let failure = failures.failed(message)
                if failure.isNew {
                    printer.note("watch interrupted; retrying with backoff until etcd answers: \(message)")
                }
                delay = failure.delay
            }
            position = nil
            try? await Task.sleep(for: delay)
        }
    }

    private func report(from before: [String: EtcdKeyValue], to after: [String: EtcdKeyValue]) throws {
        let old = RegistryParser.parse(before.values, layout: layout).entries
        let new = RegistryParser.parse(after.values, layout: layout).entries
        guard printer.changes(RegisteredPortChange.between(old, new)) else { throw OutputClosed() }
    }

    private struct OutputClosed: Error {}
}
