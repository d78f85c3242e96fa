import Foundation
import PresenceTestSupport

extension Benchmark {
    /// Many containers started at once by ten parallel `docker start` CLI workers.
    func measureBulkStart() async throws {
        let n = scale.bulk
        try checkTime(before: "the bulk start", needs: 150)
        guard let agent = latencyAgent else { throw BenchmarkError("the bulk start needs the latency agent") }
        bulkNames = (0..<n).map { "pb-\(runID)-bulk\(String(format: "%03d", $0))" }
        Log.line("\(n) containers started at once: creating them")
        // One docker-proxy per port instead of two.
        try await createContainers(bulkNames, ports: [80, 81], hostIP: "127.0.0.1")
        let names = bulkNames
        let groups = (0..<10).map { worker in stride(from: worker, to: n, by: 10).map { names[$0] } }
        Log.line("\(n) containers started at once: 10 parallel `docker start` workers")
        let sent = WallClock.now
        // The CLI reads the test servers' PRESENCE_TEST_DOCKER_HOST, the host this run drives.
        try await concurrently(groups.filter { !$0.isEmpty }, width: 10) { group in
            try await DockerCLI().docker(["start"] + group)
        }
        let lastPut = try await waitRegistered(names, timeout: .seconds(120), "all \(n) to be registered", agent: agent)
        let containerIDs = try names.map(id)
        let events = try await observations.wait(
            for: "Docker's start events of the bulk containers", timeout: .seconds(30)
        ) { state in
            let events = containerIDs.compactMap { state.dockerEvent($0, "start", since: sent) }
            return events.count == containerIDs.count ? events : nil
        }
        let starts = events.map(\.time)
        let each = observations.read { state in
            zip(names, starts).map { WallClock.milliseconds(from: $1, to: state.lastPut[$0] ?? 0) }
        }
        let first = starts.min() ?? 0
        let last = starts.max() ?? 0
        results.bulk = .init(
            n: n, each: each, total: WallClock.milliseconds(from: first, to: lastPut),
            dockerSpan: WallClock.milliseconds(from: first, to: last),
            afterLastStart: WallClock.milliseconds(from: last, to: lastPut))
        Log.line(
            "\(n) at once: first start event -> last PUT \(Format.milliseconds(results.bulk.total)) (Docker's own "
                + "starts spanned \(Format.milliseconds(results.bulk.dockerSpan)))")
    }
}
