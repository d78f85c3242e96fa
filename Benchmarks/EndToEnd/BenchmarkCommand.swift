import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import PresenceTestSupport
import UnixSignals

/// The end-to-end benchmark of the agent: run by scripts/benchmark.sh, which starts or reuses the test servers,
/// builds the agent in release mode and cleans up after this process too.
///
/// The servers come from the test environment: `PRESENCE_TEST_DOCKER_HOST`, `PRESENCE_TEST_IMAGE`,
/// `PRESENCE_BINARY` (the agent) and `PRESENCE_TEST_ETCD_BINARY`.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presence-benchmark",
        abstract: "Measures the presence agent against a real dockerd and a private etcd; writes docs/BENCHMARKS.md.",
        // The fleet simulation (Fleet/), run on request only: `scripts/benchmark.sh fleet`.
        subcommands: [FleetCommand.self])

    @Option(help: "Marks everything this run makes (the label presence-bench.run, the etcd prefix).")
    var runID: String

    @Option(help: "The Markdown report to write.")
    var output: String

    @Option(help: "The env file of reused servers, if any, for the report.")
    var servers = ""

    @Option(help: "full, or quick for smaller samples.")
    var scale = "full"

    @Option(help: "Seconds the measurements may take.")
    var budget = 900

    @Option(help: "Seconds the release build took, for the report.")
    var buildSeconds = 0.0

    @Option(help: "Bytes of the agent's executable as the image ships it, for the report (0: unknown).")
    var binaryBytes = 0

    @Option(help: "Bytes of the agent's image, for the report (0: unknown).")
    var imageBytes = 0

    /// `presence-benchmark fleet …` goes straight to the fleet simulation: ArgumentParser would decode this
    /// command first, and fail for want of its required options.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == FleetCommand.configuration.commandName {
            await FleetCommand.main(Array(arguments.dropFirst()))
        } else {
            await main(arguments)
        }
    }

    func validate() throws {
        guard ["full", "quick"].contains(scale) else { throw ValidationError("--scale must be full or quick") }
    }

    func run() async throws {
        // Trapped before any child starts, and kept trapped: cleanup must not be cut short by a second signal.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let start = ContinuousClock.now
        Log.line("run \(runID): starting a private etcd (scale \(scale), budget \(budget)s)")
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        let code = await measureAndReport(client: client, signals: signals)
        try? await client.shutdown()
        Log.line("measurements and cleanup took \(Format.seconds(ContinuousClock.now - start))")
        if code != 0 { throw ExitCode(code) }
    }

    private enum Outcome: Sendable {
        case finished(BenchmarkResults)
        case failed(String)
        case interrupted(UnixSignal)
    }

    /// Runs the phases until they end or a signal arrives, cleans up, writes the report; returns the exit code.
    private func measureAndReport(client: HTTPClient, signals: UnixSignalsSequence) async -> Int32 {
        let setup: (docker: DockerEngine, agent: String, etcd: EtcdServer, metricsURL: String)
        do {
            let docker = try DockerEngine(
                host: try TestEnvironment.dockerHost(), image: try TestEnvironment.image(), client: client)
            let agent = try TestEnvironment.binary()
            guard FileManager.default.isExecutableFile(atPath: agent) else {
                throw BenchmarkError("the agent binary \(agent) is missing")
            }
            try await docker.checkImage()
            let (etcd, metricsURL) = try await PrivateEtcd.start()
            setup = (docker, agent, etcd, metricsURL)
        } catch {
            Log.line("ERROR: \(error)")
            return 1
        }
        defer { setup.etcd.stop() }
        let etcd = EtcdGateway(endpoint: setup.etcd.endpoint, metricsURL: setup.metricsURL, client: client)
        let settings = Benchmark.Settings(
            runID: runID, scale: scale == "quick" ? .quick : .full, scaleName: scale, budget: budget)
        let observations = Observations(agentPrefix: "/bench/\(runID)/agent", runID: runID)
        let benchmark = Benchmark(settings: settings, docker: setup.docker, etcd: etcd, observations: observations)
        let machine = await MachineDescription.read(
            etcd: etcd, etcdData: setup.etcd.directory, docker: setup.docker, agent: setup.agent)
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                for await signal in signals { return .interrupted(signal) }
                return nil
            }
            group.addTask {
                do {
                    return .finished(try await Self.measure(benchmark, machine: machine))
                } catch {
                    return .failed("\(error)")
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        Log.line("cleaning up")
        await benchmark.cleanUp()
        switch outcome {
        case .finished(let results):
            return write(results)
        case .failed(let message):
            Log.line("ERROR: \(message)")
            if let agent = await benchmark.agents.last { Log.line("last agent's log:\n\(agent.logTail())") }
            return 1
        case .interrupted(let signal):
            Log.line("interrupted by \(signal)")
            return 130
        case nil:
            return 1
        }
    }

    /// The phases, with the readers of etcd's watch and Docker's events running beside them.
    private static func measure(_ benchmark: Benchmark, machine: BenchmarkResults.Machine) async throws
        -> BenchmarkResults
    {
        let observations = benchmark.observations
        let watch = try await EtcdWatchReader(etcd: benchmark.etcd, prefix: "/bench/\(benchmark.runID)/")
        let events = try await DockerEventReader(docker: benchmark.docker, runID: benchmark.runID)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await watch.run(into: observations) }
            group.addTask { await events.run(into: observations) }
            try await observations.wait(until: "the etcd watch to start", timeout: .seconds(10)) { $0.watchCreated }
            let results = try await benchmark.measureAll(machine: machine)
            group.cancelAll()
            return results
        }
    }

    /// Writes the report (through a temporary file, so a failed write leaves the old one) and the table.
    private func write(_ results: BenchmarkResults) -> Int32 {
        var results = results
        results.binaryBytes = binaryBytes
        results.imageBytes = imageBytes
        let report = Report(results: results, servers: servers, scaleName: scale, buildSeconds: buildSeconds)
        do {
            try Data(report.markdown.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            Log.line("ERROR: cannot write \(output): \(error)")
            return 1
        }
        print("\n" + ReportRow.plain(report.rows) + "\n")
        for note in results.notes { print("note: \(note)") }
        print("measurements took \(Format.fixed(results.duration, 0))s; report written to \(output)")
        return 0
    }
}
