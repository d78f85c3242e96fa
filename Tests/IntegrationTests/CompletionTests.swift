import Foundation
import Presence
import PresenceTestSupport
import Testing

@testable import PresenceCLI

/// The completion scripts and man page in deploy/ are what the current binary generates
/// (scripts/generate-completions.sh writes them), and `--version` prints the version.
@Suite("Completions, man page and version", .timeLimit(.minutes(3)))
struct CompletionTests {
    static let root = TestEnvironment.repositoryRoot

    static func committed(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func committedCompletionScriptIsCurrent(shellName: String) async throws {
        let generated = try await shell([try TestEnvironment.binary(), "--generate-completion-script", shellName])
        let committed = try Self.committed("deploy/completions/presence.\(shellName)")
        #expect(
            committed == generated,
            "deploy/completions/presence.\(shellName) is stale: run scripts/generate-completions.sh and commit the result"
        )
        #expect(generated.contains("etcd-endpoints") && generated.contains("log-format"))
    }

    @Test func manPageMentionsEveryOption() async throws {
        let page = try Self.committed("deploy/man/presence.1")
        let json = try await shell([try TestEnvironment.binary(), "--experimental-dump-help"])
        let description = try CommandLineDescription(json: json)
        var commands = [description.command]
        while let command = commands.popLast() {
            commands += (command.subcommands ?? []).filter { $0.commandName != "help" }
            for option in command.options {
                let name = try #require(option.longName)
                // mdoc writes an option as `Fl -name`: the dash is added by the macro.
                #expect(
                    page.contains("Fl -\(name)") || page.contains("--\(name)"),
                    "deploy/man/presence.1 lacks --\(name): run scripts/generate-completions.sh and commit the result")
                #expect(page.contains(OptionEnvironment.variable(forOption: name)))
            }
        }
    }

    @Test func versionPrintsTheVersionAlone() async throws {
        let output = try await shell([try TestEnvironment.binary(), "--version"])
        #expect(output.wholeMatch(of: /\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\n/) != nil, "\(output)")
        let agent = try AgentProcess(["--version"], environment: ["PRESENCE_TTL": "not a number"])
        #expect(try await agent.waitForExit() == 0, "variables do not get in the way: \(agent.log)")
        #expect(agent.log == output)
    }
}
