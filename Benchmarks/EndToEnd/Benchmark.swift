import Foundation
import PresenceTestSupport

/// One run: a private etcd, the readers of its watch and of Docker's events, the agents under test, and the
/// phases that measure them one after another.
actor Benchmark {
    struct Settings: Sendable {
        var runID: String
        var scale: BenchmarkScale
        var scaleName: String
        /// Seconds the measurements may take.
        var budget: Int
    }

    let settings: Settings
    let docker: DockerEngine
    let etcd: EtcdGateway
    let observations: Observations
    var results = BenchmarkResults()
    /// Every agent started, so that cleanup stops those still running.
    private(set) var agents: [MeasuredAgent] = []
    /// Container name -> id, of those this run has not removed yet.
    var ids: [String: String] = [:]
    /// Container name -> the number of keys the agent writes for it.
    var keyCounts: [String: Int] = [:]
    /// The containers started at once, kept running for the agent's starts and the steady state.
    var bulkNames: [String] = []
    /// The agent with `--interval 300` that the latency phases share.
    var latencyAgent: MeasuredAgent?
    /// etcd's requests during the latest SIGTERM, by method.
    var lastTerminationRequests: [String: Double] = [:]
    let agentPrefix: String
    let floorPrefix: String
    private let deadline: ContinuousClock.Instant

    init(settings: Settings, docker: DockerEngine, etcd: EtcdGateway, observations: Observations) {
        self.settings = settings
        self.docker = docker
        self.etcd = etcd
        self.observations = observations
        agentPrefix = "/bench/\(settings.runID)/agent"
        floorPrefix = "/bench/\(settings.runID)/floor/"
        deadline = .now + .seconds(settings.budget)
    }

    var scale: BenchmarkScale { settings.scale }
    var runID: String { settings.runID }

    /// Seconds left of the budget.
    var remaining: Double {
        let left = deadline - .now
        return Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
    }

    func checkTime(before what: String, needs seconds: Double) throws {
        guard remaining >= seconds else {
            throw BenchmarkError(
                "out of time before \(what) (budget \(settings.budget)s); raise PRESENCE_BENCH_BUDGET or use "
                    + "PRESENCE_BENCH_SCALE=quick")
        }
    }

    func note(_ text: String) {
        results.notes.append(text)
    }

    /// Starts an agent for this run's selected containers.
    func startAgent(interval: Int, ttl: Int, resync: Int? = nil) throws -> MeasuredAgent {
        var arguments = [
            "--label", "\(DockerEngine.selectLabel)=\(runID)", "--prefix", agentPrefix, "--etcd-endpoints",
            etcd.endpoint, "--docker-host", docker.host, "--interval", String(interval), "--ttl", String(ttl),
        ]
        if let resync { arguments += ["--resync", String(resync)] }
        let agent = try MeasuredAgent(arguments: arguments, interval: interval)
        agents.append(agent)
        return agent
    }

    /// Stops every agent still running, removes every container of the run.
    func cleanUp() async {
        for agent in agents where agent.isRunning {
            do {
                try await agent.stop(timeout: .seconds(10))
            } catch {
                Log.line("WARNING: stopping agent \(agent.pid): \(error)")
            }
        }
        do {
            let leftovers = try await docker.containers(ofRun: runID)
            if !leftovers.isEmpty {
                Log.line("removing \(leftovers.count) container(s) of this run")
                try await concurrently(leftovers) { [docker] in try await docker.remove($0) }
            }
        } catch {
            Log.line("WARNING: removing containers: \(error)")
        }
    }
}
