import ArgumentParser
import Foundation
import Testing

@testable import PresenceCLI

/// The scripts and tests read `PRESENCE_*` variables of their own (`PRESENCE_TEST_ETCD`, `PRESENCE_BINARY`, …),
/// and the agent reads `PRESENCE_` and each option's long name: no option may be named so that the agent would
/// read one of theirs.
@Suite("No option's variable is one the scripts and tests keep for themselves")
struct HarnessVariableTests {
    /// The variables scripts/, deploy/ and the tests read for themselves; a name ending in `_` is a prefix.
    static let harnessVariables = [
        "PRESENCE_TEST_", "PRESENCE_BENCH_", "PRESENCE_DEMO_", "PRESENCE_BINARY", "PRESENCE_SKIP_IMAGE",
        "PRESENCE_IMAGE", "PRESENCE_READY_TIMEOUT", "PRESENCE_DOCKER_STOP_TIMEOUT", "PRESENCE_ENGINES",
        "PRESENCE_ENGINES_DIR", "PRESENCE_DEBIAN_ARCHIVE",
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The variable of every option of every command.
    static func optionVariables() throws -> Set<String> {
        var commands = [try CommandLineDescription(json: PresenceCommand._dumpHelp()).command]
        var variables: Set<String> = []
        while let command = commands.popLast() {
            commands += command.subcommands ?? []
            variables.formUnion(command.options.compactMap(\.longName).map(OptionEnvironment.variable(forOption:)))
        }
        return variables
    }

    /// Every `PRESENCE_*` name in scripts/, deploy/ and the tests, but for this target's own, whose options are
    /// made up; names ending in `_` (a prefix quoted in a comment) left out.
    static func namesInUse() throws -> Set<String> {
        let pattern = /PRESENCE_[A-Z0-9_]*/
        var names: Set<String> = []
        for folder in ["scripts", "deploy", "Tests"] {
            let directory = root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let file as URL in files where !file.path.contains("/Tests/PresenceCLITests/") {
                guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
                names.formUnion(text.matches(of: pattern).map { String($0.output) }.filter { !$0.hasSuffix("_") })
            }
        }
        return names
    }

    static func isHarnessVariable(_ name: String) -> Bool {
        harnessVariables.contains { $0.hasSuffix("_") ? name.hasPrefix($0) : name == $0 }
    }

    @Test func noOptionVariableIsOrExtendsAHarnessVariable() throws {
        let options = try Self.optionVariables()
        #expect(options.count > 20)
        for variable in options.sorted() {
            for harness in Self.harnessVariables {
                #expect(!variable.hasPrefix(harness), "\(variable), an option's variable, would read \(harness)")
            }
        }
    }

    /// Keeps `harnessVariables` complete: a variable a script starts reading is either an option's or listed.
    @Test func everyVariableInUseIsAnOptionsOrTheHarnesss() throws {
        let options = try Self.optionVariables()
        let unknown = try Self.namesInUse().filter { !options.contains($0) && !Self.isHarnessVariable($0) }
        #expect(unknown.isEmpty, "neither an option's variable nor in harnessVariables: \(unknown.sorted())")
    }
}
