import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Presence
import PresenceTestSupport
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `presence-benchmark fleet`: many real agents, each against its own simulated Docker host, on one real
/// three-member etcd cluster on loopback; measures the cluster's load and how long the registry takes to be
/// exact again after faults. Run on request by `scripts/benchmark.sh fleet`, never in CI.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Runs a fleet of real agents against simulated Docker hosts and a 3-member etcd cluster.")

    @Option(help: "Agents, one per simulated host.")
    var agents = 200

    @Option(help: "Containers per simulated host (each publishes one or two TCP ports).")
    var containers = 50

    @Option(help: "The agents' --ttl in seconds.")
    var ttl = 60

    @Option(help: "The agents' --interval in seconds (default: theirs, a third of the TTL).")
    var interval: Double?

    @Option(help: "Seconds of steady state to measure.")
    var steady = 60

    @Option(help: "Seconds each scenario may take to become exact.")
    var settle = 120

    @Option(help: "Seconds the cluster stays down when it restarts.")
    var downtime = 3

    @Option(
        help:
            "Containers stopped per second across the fleet in the churn scenario, each started 5 s later; 0 skips it.")
    var churnRate = 20

    @Option(help: "Seconds the churn lasts.")
    var churnSeconds = 30

    @Option(help: "Seconds the whole run may take, cleanup aside; the scenarios left when it runs out are skipped.")
    var budget = 840

    @Option(help: "The agent's executable (default: PRESENCE_BINARY, else .build/release/presence).")
    var agent: String?

    @Option(help: "Where to write the Markdown report (default: standard output only).")
    var output: String?

    func validate() throws {
        guard agents >= 1, containers >= 1 else {
            throw ValidationError("--agents and --containers must be at least 1")
        }
        guard churnRate >= 0, churnSeconds >= 0 else {
            throw ValidationError("--churn-rate and --churn-seconds cannot be negative")
        }
        guard ttl >= 2 else { throw ValidationError("--ttl must be at least 2") }
    }

    func run() async throws {
        // Trapped before any child starts, and kept trapped: cleanup must not be cut short by a second signal.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let binary = agent ?? ProcessInfo.processInfo.environment["PRESENCE_BINARY"] ?? ".build/release/presence"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchmarkError("the agent binary \(binary) is missing (swift build -c release --product presence)")
        }
        // AgentProcess starts PRESENCE_BINARY.
        setenv("PRESENCE_BINARY", URL(fileURLWithPath: binary).standardizedFileURL.path, 1)
        let limit = Self.raiseOpenFilesLimit()
        let settings = FleetSettings(
            agents: agents, containersPerHost: containers, ttl: ttl, interval: interval, steady: steady,
            settle: settle, budget: budget, downtime: downtime, churnRate: churnRate, churnSeconds: churnSeconds)
        // Short: a unix socket's path has at most 107 bytes.
        let directory = NSTemporaryDirectory() + "pf-" + UUID().uuidString.prefix(6).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(2))))
        let start = ContinuousClock.now
        var results = FleetResults(settings: settings)
        results.openFilesLimit = limit
        results.loadAtStart = MachineDescription.loadAverage()
        Self.describeMachine(&results, agent: binary)
        let code = await measureAndReport(
            settings: settings, directory: directory, client: client, signals: signals, results: results, start: start)
        try? await client.shutdown()
        Log.line("fleet run and cleanup took \(Format.seconds(ContinuousClock.now - start))")
        if code != 0 { throw ExitCode(code) }
    }

    private enum Outcome: Sendable {
        case finished
        case failed(String)
        case interrupted(UnixSignal)
    }

    private func measureAndReport(
        settings: FleetSettings, directory: String, client: HTTPClient, signals: UnixSignalsSequence,
        results: FleetResults, start: ContinuousClock.Instant
    ) async -> Int32 {
        let progress = FleetProgress(results)
        let engine: SimulatedEngine
        let cluster: FleetCluster
        do {
            Log.line(
                "simulated engine: \(settings.agents) hosts × \(settings.containersPerHost) containers in \(directory)")
            engine = try await SimulatedEngine(
                hosts: settings.agents, containersPerHost: settings.containersPerHost, directory: directory)
            cluster = try FleetCluster(client: client)
        } catch {
            Log.line("ERROR: \(error)")
            return 1
        }
        let expected = engine.expectedKeys
        progress.update {
            $0.registrations = engine.hosts.reduce(0) { $0 + $1.running.count }
            $0.expectedKeys = expected.count
        }
        let reads = CheckerReads()
        let sampler = FleetSampler(cluster: cluster, checkerReads: reads, start: start)
        let checker = ExactnessChecker(
            engine: engine, cluster: cluster, reads: reads, reader: RegistryReader(client: client))
        let fleet = FleetAgents(
            engine: engine, endpoints: cluster.endpoints, ttl: settings.ttl, interval: settings.interval)
        let run = FleetRun(
            settings: settings, engine: engine, cluster: cluster, agents: fleet, checker: checker, sampler: sampler,
            deadline: start + .seconds(settings.budget))
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                for await signal in signals { return .interrupted(signal) }
                return nil
            }
            group.addTask {
                await sampler.run()
                return nil
            }
            group.addTask {
                do {
                    Log.line("starting the 3-member etcd cluster")
                    try await cluster.startAll()
                    progress.update { $0.etcdVersion = "3.x" }
                    let version = await EtcdGateway(
                        endpoint: cluster.endpoints[0], metricsURL: "", client: client
                    ).version()
                    progress.update { $0.etcdVersion = version }
                    try await run.measure(into: progress)
                    await Self.stopAgents(fleet, checker: checker, progress: progress)
                    return .finished
                } catch {
                    return .failed("\(error)")
                }
            }
            var first: Outcome?
            while let next = await group.next() {
                if let next {
                    first = next
                    break
                }
            }
            group.cancelAll()
            return first
        }
        Log.line("cleaning up: agents, etcd members, the simulated engine")
        if case .failed = outcome, let log = fleet.exitedLog { Log.line("an exited agent's log:\n\(log)") }
        await fleet.stopAll(grace: .seconds(10))
        cluster.remove()
        await engine.stop()
        progress.update {
            $0.seconds = sampler.seconds
            $0.loadAtEnd = MachineDescription.loadAverage()
            $0.duration = (ContinuousClock.now - start).seconds
        }
        switch outcome {
        case .finished:
            return write(progress.current)
        case .failed(let message):
            Log.line("ERROR: \(message)")
            progress.update { $0.notes.append("The run stopped early: \(message)") }
            _ = write(progress.current)
            return 1
        case .interrupted(let signal):
            Log.line("interrupted by \(signal)")
            return 130
        case nil:
            return 1
        }
    }

    /// The epilogue: SIGTERM to every agent, which removes its keys on the way out; notes how long that took
    /// and what was left.
    private static func stopAgents(_ fleet: FleetAgents, checker: ExactnessChecker, progress: FleetProgress) async {
        let start = ContinuousClock.now
        Log.line("stopping every agent with SIGTERM")
        await fleet.stopAll()
        let took = (ContinuousClock.now - start).seconds
        let left = await checker.compare()?.present
        progress.update {
            $0.notes.append(
                "All agents stopped with SIGTERM at once: the last exited after \(Format.fixed(took, 1)) s; "
                    + "keys left under /hosts/ then: \(left.map(String.init) ?? "unknown (no member answered)").")
        }
    }

    /// Raises the soft limit of open files to the hard one (the agents inherit it): the engine holds a socket
    /// per host and a connection or two per agent. Returns the limit in force.
    private static func raiseOpenFilesLimit() -> String {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return "?" }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return String(limit.rlim_cur)
    }

    private static func describeMachine(_ results: inout FleetResults, agent: String) {
        results.host = HostDescription.read()
        results.agentVersion =
            (try? shell([agent, "--version"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    private func write(_ results: FleetResults) -> Int32 {
        let markdown = FleetReport(results: results).markdown
        print(markdown)
        guard let output else { return 0 }
        do {
            try Data(markdown.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            Log.line("report written to \(output)")
            return 0
        } catch {
            Log.line("ERROR: cannot write \(output): \(error)")
            return 1
        }
    }
}
