extension Benchmark {
    /// One plain etcd write and one Docker inspect: what any agent must at least spend per change.
    func measureFloor() async throws {
        let n = scale.floor
        Log.line("floor: \(n) etcd PUTs and \(n) Docker inspects")
        let name = "pb-\(runID)-floor"
        let id = try await docker.create(name: name, ports: [], runID: runID, selected: false)
        ids[name] = id
        try await docker.start(id)
        var puts: [Double] = []
        var visible: [Double] = []
        for index in 0..<n {
            let sent = WallClock.now
            let revision = try await etcd.put("\(floorPrefix)k\(index)", "x")
            puts.append(WallClock.milliseconds(from: sent, to: WallClock.now))
            let arrival = try await observations.wait(for: "the floor PUT on the watch", timeout: .seconds(5)) {
                $0.revisionArrival[revision]
            }
            visible.append(WallClock.milliseconds(from: sent, to: arrival))
        }
        try await docker.isRunning(id)  // warms the connection
        var inspects: [Double] = []
        for _ in 0..<n {
            let sent = WallClock.now
            try await docker.isRunning(id)
            inspects.append(WallClock.milliseconds(from: sent, to: WallClock.now))
        }
        try await removeContainers([name])
        results.floor = .init(
            n: n, put: Statistics.median(puts), putP99: Statistics.percentile(puts, 99),
            putVisible: Statistics.median(visible), inspect: Statistics.median(inspects),
            inspectP99: Statistics.percentile(inspects, 99))
        let floor = results.floor
        Log.line(
            "floor: etcd PUT \(Format.milliseconds(floor.put, digits: 2)), visible on the watch "
                + "\(Format.milliseconds(floor.putVisible, digits: 2)), Docker inspect "
                + "\(Format.milliseconds(floor.inspect, digits: 2))")
    }
}
