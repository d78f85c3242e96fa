import PresenceTestSupport

/// An etcd of the benchmark's own, on free ports with its metrics on one more, so that nobody else's requests
/// are counted.
enum PrivateEtcd {
    /// Starts it, with other ports when it does not come up; returns the server and its metrics address.
    static func start() async throws -> (server: EtcdServer, metricsURL: String) {
        var lastError: any Error = BenchmarkError("etcd did not start")
        for attempt in 1...3 {
            let metricsPort = try freePort()
            let server = try EtcdServer(flags: ["--listen-metrics-urls", "http://127.0.0.1:\(metricsPort)"])
            do {
                try await server.start()
                let metricsURL = "http://127.0.0.1:\(metricsPort)/metrics"
                Log.line("private etcd ready at \(server.endpoint) (metrics \(metricsURL))")
                return (server, metricsURL)
            } catch {
                server.stop()
                lastError = error
                Log.line("private etcd did not come up (attempt \(attempt)); retrying with other ports")
            }
        }
        throw BenchmarkError("the private etcd did not start: \(lastError)")
    }
}
