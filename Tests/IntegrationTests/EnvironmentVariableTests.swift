import Foundation
import Presence
import PresenceTestSupport
import Testing

@testable import PresenceCLI

/// Every option of every command has a `PRESENCE_*` variable; the real agent runs configured by them alone.
@Suite("PRESENCE_* variables", .timeLimit(.minutes(3)))
struct EnvironmentVariableTests {
    /// Every command of the real binary with its path of subcommand names, from `--experimental-dump-help`.
    static func commands() throws -> [(path: [String], command: CommandLineDescription.Command)] {
        let json = try shell([try TestEnvironment.binary(), "--experimental-dump-help"])
        var found: [(path: [String], command: CommandLineDescription.Command)] = []
        func walk(_ command: CommandLineDescription.Command, _ path: [String]) {
            guard command.commandName != "help" else { return }
            found.append((path, command))
            for subcommand in command.subcommands ?? [] { walk(subcommand, path + [subcommand.commandName]) }
        }
        walk(try CommandLineDescription(json: json).command, [])
        return found
    }

    @Test func everyOptionOfEveryCommandDocumentsItsVariable() async throws {
        let commands = try Self.commands()
        #expect(commands.first?.command.options.count ?? 0 > 10)
        for (path, command) in commands {
            let help = try await shell([try TestEnvironment.binary()] + path + ["--help"])
            for option in command.options {
                let name = try #require(option.longName, "\(path): every option has a long name for its variable")
                let variable = OptionEnvironment.variable(forOption: name)
                let text = (option.abstract ?? "") + " " + (option.discussion ?? "")
                #expect(text.contains("Env: \(variable)"), "the help of --\(name) says 'Env: \(variable)'")
                #expect(help.contains(variable), "`presence \(path.joined(separator: " ")) --help` names \(variable)")
            }
        }
    }

    /// Values the options refuse, with what else the command line needs for the refusal: a line break for any
    /// option not listed (no option should take one), else the listed value.
    static let refusedValues: [String: (value: String, arguments: [String])] = [
        "hostname": ("a/b", ["--prefix", "/h/{hostname}"]),
        "label": ("=x", []),
        "all": ("maybe", ["--container", "web"]),
    ]

    /// Each option's variable reaches the parser: a value the option refuses is refused naming the variable.
    @Test func everyOptionTakesItsVariable() async throws {
        for (path, command) in try Self.commands() {
            for option in command.options {
                let name = try #require(option.longName)
                let variable = OptionEnvironment.variable(forOption: name)
                let refused = Self.refusedValues[name] ?? ("no\nsuch value", [])
                var arguments = path + refused.arguments
                // The root command needs something to register, and must dial nothing if it starts after all.
                if path.isEmpty {
                    if name != "all" { arguments.append("--all") }
                    if name != "docker-host" { arguments += ["--docker-host", "unix:///nonexistent/docker.sock"] }
                    if name != "etcd-endpoints" { arguments += ["--etcd-endpoints", "http://127.0.0.1:1"] }
                }
                let agent = try AgentProcess(arguments, environment: [variable: refused.value])
                let status = try await agent.waitForExit()
                #expect(status == 64, "\(variable)=\(refused.value) is refused: \(agent.log)")
                #expect(agent.log.hasPrefix("presence: \(variable)"), "the error names \(variable): \(agent.log)")
            }
        }
    }

    @Test func theAgentRunsOnVariablesAlone() async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let name = uniqueName("envonly")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80", "53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess(
            [],
            environment: [
                "PRESENCE_CONTAINER": "\(name),other-\(name)", "PRESENCE_PREFIX": prefix,
                "PRESENCE_ETCD_ENDPOINTS": try TestEnvironment.etcd(), "PRESENCE_ETCD_API": "v2",
                "PRESENCE_DOCKER_HOST": try TestEnvironment.dockerHost(), "PRESENCE_TTL": "4",
                "PRESENCE_INTERVAL": "1", "PRESENCE_IGNORE_HEALTH": "true", "PRESENCE_LOG_LEVEL": "debug",
                "PRESENCE_LOG_FORMAT": "json",
            ])
        let expected = try await docker.expectedKeys(
            prefix: prefix, names: [name], host: try await docker.expectedHostIP())
        #expect(expected.count == 4)
        let registered = try await eventually { try await etcd.keys(.v2, under: prefix + "/") == expected }
        #expect(registered != nil, "\(agent.log)")
        #expect(agent.log.hasPrefix("{\"timestamp\":"), "PRESENCE_LOG_FORMAT=json: \(agent.log)")
        #expect(agent.log.contains("\"level\":\"debug\""), "PRESENCE_LOG_LEVEL=debug: \(agent.log)")
        #expect(agent.log.contains("\"containers\":\"\(name),other-\(name)\""), "\(agent.log)")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(try await etcd.keys(.v2, under: prefix + "/").isEmpty)
    }

    /// The command line beats PRESENCE_*, which beats the variables etcdctl and docker read.
    @Test func precedence() async throws {
        let docker = try DockerCLI()
        let etcd = try EtcdReader()
        let name = uniqueName("precedence")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess(
            ["--prefix", prefix, "--ttl", "4"],
            environment: [
                "PRESENCE_CONTAINER": name, "PRESENCE_PREFIX": "/not-this-\(prefix.dropFirst())",
                "PRESENCE_TTL": "not a number", "PRESENCE_INTERVAL": "1",
                "PRESENCE_ETCD_ENDPOINTS": try TestEnvironment.etcd(), "ETCD_ENDPOINTS": "http://127.0.0.1:1",
                "PRESENCE_DOCKER_HOST": try TestEnvironment.dockerHost(), "DOCKER_HOST": "unix:///nonexistent.sock",
            ])
        #expect(try await eventually { try await etcd.keys(under: prefix + "/").count == 2 } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(try await etcd.keys(under: "/not-this-\(prefix.dropFirst())/").isEmpty)
    }

    static let refusals: [(environment: [String: String], message: String)] = [
        (["PRESENCE_TTL": "abc"], "PRESENCE_TTL: "),
        (["PRESENCE_TTL": "1"], "PRESENCE_TTL: --ttl must be at least 2"),
        (["PRESENCE_ALL": "maybe"], "PRESENCE_ALL must be true, false, 1 or 0, not 'maybe'"),
        (["PRESENCE_ETCD_ENDPOINTS": "localhost:2379"], "PRESENCE_ETCD_ENDPOINTS: etcd endpoint 'localhost:2379'"),
        (["PRESENCE_ETCD_API": "v4"], "PRESENCE_ETCD_API: "),
        (["PRESENCE_LOG_FORMAT": "xml"], "PRESENCE_LOG_FORMAT: "),
    ]

    @Test(arguments: refusals)
    func aRefusedValueNamesItsVariable(environment: [String: String], message: String) async throws {
        // The command line would win over the variable: it gives only what the case leaves out.
        let given = ["--container": "web", "--prefix": uniquePrefix(), "--etcd-endpoints": try TestEnvironment.etcd()]
        let arguments = given.filter {
            environment[OptionEnvironment.variable(forOption: String($0.key.dropFirst(2)))] == nil
        }
        .flatMap { [$0.key, $0.value] }
        let agent = try AgentProcess(arguments, environment: environment)
        #expect(try await agent.waitForExit() == 64, "\(agent.log)")
        #expect(agent.log.split(separator: "\n").count == 1, "one line: \(agent.log)")
        #expect(agent.log.contains(message), "\(agent.log)")
    }
}
