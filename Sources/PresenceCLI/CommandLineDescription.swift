import Presence

/// A command's options and subcommands as swift-argument-parser describes them (`--experimental-dump-help`,
/// `ParsableCommand._dumpHelp()`): only what the environment variables of the options need.
struct CommandLineDescription: Decodable, Sendable {
    var command: Command

    /// Reads the JSON of `--experimental-dump-help`.
    init(json: String) throws {
        self = try JSONDecoder().decode(CommandLineDescription.self, from: Data(json.utf8))
    }

    struct Command: Decodable, Sendable {
        var commandName: String
        var aliases: [String]?
        var defaultSubcommand: String?
        var subcommands: [Command]?
        var arguments: [Argument]?

        /// The options and flags, without argument-parser's own `--help` and `--version`.
        var options: [Argument] {
            (arguments ?? []).filter { $0.kind != .positional && !["help", "version"].contains($0.longName) }
        }

        /// The subcommand that `word` names, if any.
        func subcommand(named word: String) -> Command? {
            subcommands?.first { $0.commandName == word || ($0.aliases ?? []).contains(word) }
        }
    }

    struct Argument: Decodable, Sendable {
        enum Kind: String, Decodable, Sendable {
            case positional, option, flag
        }

        struct Name: Decodable, Sendable {
            var kind: String
            var name: String

            /// The name as typed: `--name`, `-n` or `-name`.
            var spelling: String { kind == "long" ? "--" + name : "-" + name }
        }

        var kind: Kind
        var isRepeating: Bool
        var names: [Name]?
        var abstract: String?
        var discussion: String?

        /// The first long name (`etcd-endpoints`), which names the variable; nil for an option with short names only.
        var longName: String? { names?.first { $0.kind == "long" }?.name }

        /// Whether `token` from the command line is this option, alone or with its value attached (`--ttl=5`).
        func matches(_ token: String) -> Bool {
            (names ?? []).contains { token == $0.spelling || ($0.kind == "long" && token.hasPrefix($0.spelling + "=")) }
        }
    }
}
